// Draws every <canvas data-chart="ID"> as a bar chart from the JSON Django wrote with
// {{ data|json_script:"ID" }}: {"title": "...", "labels": [...], "pence": [...]}.
// The same figures are always in a table beside the chart, so the chart adds nothing a
// screen reader or a browser without JavaScript misses. No inline script or style: the
// page's CSP is script-src 'self'; style-src 'self' (Chart.js sizes the canvas through
// the CSSOM, which CSP allows).
;(function () {
  'use strict'

  var Chart = window.Chart
  if (!Chart) {
    return
  }

  var pounds = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })
  var poundsShort = new Intl.NumberFormat('en-GB', {
    style: 'currency',
    currency: 'GBP',
    notation: 'compact',
    maximumFractionDigits: 1
  })
  var reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches

  // GOV.UK Design System colours: blue for amounts, red for a negative figure.
  var BLUE = '#1d70b8'
  var RED = '#d4351c'

  function draw (canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'))
    if (!source) {
      return
    }
    var data = JSON.parse(source.textContent)
    var values = data.pence.map(function (p) { return p / 100 })
    var chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: [{
          label: data.title,
          data: values,
          backgroundColor: values.map(function (v) { return v < 0 ? RED : BLUE }),
          borderWidth: 0
        }]
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: data.labels.length > 6 ? 1 : 1.6,
        animation: reducedMotion ? false : { duration: 400 },
        plugins: {
          legend: { display: false },
          title: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) { return pounds.format(item.raw) }
            }
          }
        },
        scales: {
          x: {
            beginAtZero: true,
            ticks: { callback: function (value) { return poundsShort.format(value) } }
          },
          y: { ticks: { color: '#0b0c0c' } }
        }
      }
    })
    canvas.setAttribute('data-chart-drawn', 'true')
    return chart
  }

  var canvases = document.querySelectorAll('canvas[data-chart]')
  for (var i = 0; i < canvases.length; i++) {
    draw(canvases[i])
  }
})()
