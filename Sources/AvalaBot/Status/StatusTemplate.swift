/// The `/status` page's Mustache template: one self-contained HTML page (inline CSS, no scripts, nothing
/// fetched from elsewhere), refreshed by the browser every 10 seconds.
enum StatusTemplate {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="refresh" content="10">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>avala-bot status</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; background: #fafafa; }
        h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
        .meta { color: #666; } .cards { display: flex; gap: 1rem; margin: 1rem 0; flex-wrap: wrap; }
        .card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: .6rem 1rem; min-width: 9rem; }
        .card b { display: block; font-size: 1.4rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #ddd; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #eee; vertical-align: top; }
        th { background: #f0f0f0; font-weight: 600; } td.detail { color: #444; max-width: 40rem; overflow-wrap: anywhere; }
        .done { color: #1a7f37; } .skipped { color: #6e7781; } .dead, .failing { color: #cf222e; font-weight: 600; }
        .pending, .running, .retry, .deferred { color: #9a6700; } .empty { color: #888; font-style: italic; }
        code { font-size: 12px; }
        </style>
        </head>
        <body>
        <h1>avala-bot</h1>
        <div class="meta">up {{uptime}} · page generated {{generated}} · refreshes every 10 s</div>
        {{#storeError}}<p class="dead">{{storeError}}</p>{{/storeError}}
        <div class="cards">
          <div class="card"><b>{{queue}}</b>events waiting</div>
          <div class="card"><b class="{{#hasDead}}dead{{/hasDead}}">{{deadCount}}</b>dead letters</div>
          <div class="card"><b class="{{#hasFailing}}dead{{/hasFailing}}">{{failingCount}}</b>pollers failing</div>
        </div>

        <h2>Pollers</h2>
        <table><tr><th>poller</th><th>health</th></tr>
        {{#pollers}}<tr><td>{{name}}</td><td class="{{#failing}}failing{{/failing}}{{#retrying}}retry{{/retrying}}{{^failing}}{{^retrying}}done{{/retrying}}{{/failing}}">{{state}}</td></tr>{{/pollers}}
        {{^pollers}}<tr><td colspan="2" class="empty">no pollers configured</td></tr>{{/pollers}}
        </table>

        <h2>Dead letters</h2>
        <table><tr><th>since</th><th>rule</th><th>action</th><th>failed runs</th><th>reason</th><th>step</th></tr>
        {{#dead}}<tr><td>{{time}}</td><td>{{rule}}</td><td>{{action}}</td><td>{{attempts}}</td><td class="detail">{{detail}}</td><td><code>{{step}}</code></td></tr>{{/dead}}
        {{^dead}}<tr><td colspan="6" class="empty">none</td></tr>{{/dead}}
        </table>
        {{#deadMore}}<div class="meta">{{deadMore}}</div>{{/deadMore}}

        <h2>Recent actions</h2>
        <table><tr><th>time</th><th>event</th><th>rule</th><th>action</th><th>outcome</th><th>detail</th></tr>
        {{#actions}}<tr><td>{{time}}</td><td>{{event}}</td><td>{{rule}}</td><td>{{action}}</td><td class="{{status}}">{{status}}</td><td class="detail">{{detail}}</td></tr>{{/actions}}
        {{^actions}}<tr><td colspan="6" class="empty">no actions yet</td></tr>{{/actions}}
        </table>

        <h2>Recent events</h2>
        <table><tr><th>stored</th><th>type</th><th>subject</th><th>from</th><th>chain depth</th><th>actions</th><th>status</th><th>id (for <code>avala-bot events show</code>)</th></tr>
        {{#events}}<tr><td>{{time}}</td><td>{{type}}</td><td>{{subject}}</td><td>{{from}}</td><td>{{depth}}</td><td>{{actions}}</td><td class="{{status}}">{{status}}</td><td><code>{{id}}</code></td></tr>{{/events}}
        {{^events}}<tr><td colspan="8" class="empty">no events yet</td></tr>{{/events}}
        </table>
        </body>
        </html>
        """
}
