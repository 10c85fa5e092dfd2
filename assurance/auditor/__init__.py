"""The auditor export: for one body and funding period, a zip of CSV files and a manifest.
``files`` says what each CSV holds, ``export`` writes the zip, ``report`` registers the
report type.

Files (UTF-8 with a byte-order mark, so spreadsheets read names correctly; one header row):

- ``ledger_transactions.csv`` and ``ledger_legs.csv``: the pool's double-entry ledger;
- ``decisions_register.csv``: decisions on the period's pool, and declined decisions made
  within its dates (a declined decision names no pool);
- ``awards.csv`` and ``instalments.csv``: awards on the pool and their instalments;
- ``payment_runs.csv`` and ``payment_run_lines.csv``;
- ``arrangements.csv``: the body's arrangements that overlap the period;
- ``audit_events.csv``: the body's audit trail for the period's dates (UK time), with hashes;
- ``manifest.json``: filters, generated-at, data as-at, row counts, SHA-256 and size of each
  CSV as stored in the zip, the app version.

No pupil-level data: cases appear by their reference only.

Each file is PostgreSQL's own ``COPY (query) TO STDOUT WITH (FORMAT csv)`` read through
psycopg a row at a time (PostgreSQL sends one message per row) into a deflated zip entry,
hashed on the way, so memory does not grow with the data and no row passes through Python
as values. Lines end with LF; a missing value (NULL) is an empty cell and an empty text is
``""``; yes/no columns read ``True`` or ``False``.

Formula neutralisation is done in that SQL, exactly as ``defusedcsv`` does it (so that a
spreadsheet does not run user text as a formula): a text cell whose first character is
``=``, ``+``, ``-``, ``@``, ``|`` or ``%`` and which is not a plain number (``-?[0-9,.]+``,
optionally followed by one newline) has every ``|`` escaped as ``\\|`` and is prefixed with
``'``. Numbers, yes/no and missing values are untouched. Which columns are text is read
from each query's result description, so a new text column is neutralised without anyone
remembering to.

Outside a transaction the export reads on its own connection, in one ``REPEATABLE READ
READ ONLY`` transaction, so every file shows the same instant ("data as at") while the
caller's connection stays free to record progress (also during a file). Inside a caller's
transaction (tests, a management shell) it reads in that transaction instead, and reports
progress between files only (the connection is busy during a COPY)."""
