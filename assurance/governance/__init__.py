"""The financial-governance pack: for one pool (funding period) up to a chosen date, the
pool statement by month, the position of each school, cases by area of need and phase
against the decision-time target, the commitments schedule, outcomes, equity, and a
reconciliation that proves the pack's totals equal the ledger's and that the subledgers
(instalments paid, payment runs, awards) agree with it. If they do not, the run fails
(``ReportFailed``) naming each difference; nothing is stored.

``pack`` holds the figures, ``gather`` reads them in one snapshot, ``calculate`` works
the statement, school rows and reconciliation out of the ledger rows (pure, no database),
``subledgers`` checks the subledgers, ``output`` renders the PDF (with SVG charts) and the XLSX, and ``report``
registers the report type. No pupil appears: cases are counted, never listed. The pack is for
the body's own trustees, so its figures are exact, small counts included, and it says so
(``pack.AUDIENCE``); documents published beyond the body suppress small numbers."""
