// govuk-frontend's "is JavaScript running" classes, from a file because the Content
// Security Policy allows no inline script.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
