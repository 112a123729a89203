// GOV.UK Frontend's classes, set as early as possible (this file is loaded first in
// <body>): a script file rather than an inline one, for the Content-Security-Policy.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
