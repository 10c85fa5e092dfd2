// Inclusion Pool page behaviour. Loaded with <script type="module">, so it
// runs only in browsers that GOV.UK Frontend supports.
//
// The import path is relative to this file, so it resolves to
// STATIC_URL + "govuk/govuk-frontend.min.js" (/static/govuk/...).
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()
