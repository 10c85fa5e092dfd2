// Loaded synchronously as the first element of <body> (no inline scripts:
// the Content-Security-Policy is script-src 'self'). Marks the page as
// JavaScript-enabled so GOV.UK Frontend's enhanced styles apply before
// first paint. Browsers that cannot run ES modules keep the no-JS styles.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
