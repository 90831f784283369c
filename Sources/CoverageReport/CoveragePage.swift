import Foundation

/// The coverage picture as one self-contained HTML page: the report as JSON in the page, drawn
/// by inline JavaScript into a month calendar per channel and a minute timeline of the chosen
/// day. Nothing is loaded from anywhere else, so the file can be mailed or attached to a case;
/// the daemon serves the same page at /ui.
public enum CoveragePage {
    public static func html(_ report: CoverageReport) throws -> String {
        // `<` only occurs inside JSON strings; escaped, no name or error text can close the script element.
        let json = try Self.json(report).replacingOccurrences(of: "<", with: "\\u003c")
        return head.replacingOccurrences(of: "content=\"CSP\"", with: "content=\"\(contentSecurityPolicy)\"")
            + "<script type=\"application/json\" id=\"report\">" + json + "</script>\n" + script + "</body>\n</html>\n"
    }

    /// The report as the JSON the page embeds (and the daemon's /status serves).
    public static func json(_ report: CoverageReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// What the page may load: nothing but its own inline style and script.
    public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

    static let head = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="CSP">
        <title>tsvault coverage</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
        h1 { font-size: 1.4em; margin: 0 0 .2em; } h2 { font-size: 1.15em; margin: 1.2em 0 .4em; } h3 { font-size: 1em; margin: .8em 0 .3em; }
        table.list { border-collapse: collapse; } table.list td, table.list th { border-bottom: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
        .muted { color: #59636e; } .warn { color: #cf222e; font-weight: 600; }
        #channels { display: flex; flex-wrap: wrap; gap: 0 2.5em; } .months { display: flex; flex-wrap: wrap; gap: 1em; }
        table.month td { width: 2.6em; height: 2.2em; }
        table.month { border-collapse: separate; border-spacing: 2px; } table.month caption { text-align: left; font-weight: 600; }
        table.month th { font-weight: normal; color: #59636e; font-size: .8em; }
        td.day { width: 2.6em; height: 2.2em; text-align: center; vertical-align: middle; border-radius: 4px; cursor: pointer;
                 font-size: .8em; border: 1px solid #d0d7de; position: relative; }
        td.day.none { background: #f6f8fa; color: #8c959f; } td.day.selected { outline: 2px solid #0969da; }
        td.day.alert::after { content: ""; position: absolute; top: 2px; right: 2px; width: 6px; height: 6px; border-radius: 3px; background: #cf222e; }
        #legend { display: flex; flex-wrap: wrap; gap: .3em 1em; margin: .4em 0; }
        #legend span.swatch { display: inline-block; width: 1em; height: 1em; border: 1px solid #8c959f; vertical-align: -2px; margin-right: .3em; }
        #timeline { width: 100%; height: 90px; display: block; border: 1px solid #d0d7de; cursor: crosshair; }
        #hours { position: relative; height: 1.2em; font-size: .75em; color: #59636e; }
        #hours span, #zoom-ticks span { position: absolute; transform: translateX(-50%); }
        #zoom { width: 100%; height: 60px; display: block; border: 1px solid #d0d7de; }
        #zoom-ticks { position: relative; height: 1.2em; font-size: .75em; color: #59636e; }
        #hover { min-height: 3.2em; background: #f6f8fa; padding: .3em .6em; margin: .4em 0; white-space: pre-wrap; }
        #extract-command { background: #1f2328; color: #f6f8fa; padding: .6em; white-space: pre-wrap; word-break: break-all; }
        code, pre { font: 12px ui-monospace, monospace; }
        </style>
        </head>
        <body>
        <header><h1>tsvault coverage</h1><p id="meta" class="muted"></p></header>
        <section id="summary"><h2>Archive</h2><p id="archive"></p>
        <h3>Backup targets</h3><table class="list" id="targets"><thead><tr><th>target</th><th>path</th><th>last push</th><th>behind</th><th>damaged</th></tr></thead><tbody></tbody></table>
        <h3>Last runs</h3><table class="list" id="runs"><thead><tr><th>run</th><th>started</th><th>finished</th><th>outcome</th></tr></thead><tbody></tbody></table>
        </section>
        <section id="calendar"><h2>Calendar</h2><p class="muted">Each day shaded by the share of the recorder's minutes that are archived; a red dot marks failed, lost or damaged minutes. Select a day for its minutes.</p><div id="channels"></div></section>
        <section id="day"><h2 id="day-title">No day selected</h2><div id="legend"></div>
        <svg id="timeline" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none"><g id="states"></g><g id="holds"></g><g id="extracts"></g><rect id="selection-mark" x="0" y="0" width="0" height="100" fill="#0969da" fill-opacity="0.25"></rect></svg>
        <div id="hours"></div>
        <h3 id="zoom-title">Minute by minute</h3>
        <svg id="zoom" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none"></svg>
        <div id="zoom-ticks"></div>
        <div id="hover" role="status">Point at a minute for what is there; drag across minutes to select a range.</div>
        <h3>Selection</h3><p id="selection">Nothing selected.</p><table class="list" id="selection-segments"><thead><tr><th>segment</th><th>bytes</th><th>SHA-256</th><th>from export</th></tr></thead><tbody></tbody></table>
        <p>To extract the selection as evidence:</p><pre id="extract-command"></pre>
        </section>

        """#

    static let script = #"""
        <script>
        "use strict";
        const R = JSON.parse(document.getElementById("report").textContent);
        const byCode = Object.fromEntries(R.legend.map(e => [e.code, e]));
        const byState = Object.fromEntries(R.legend.map(e => [e.state, e]));
        const MIN = 60000;
        const $ = id => document.getElementById(id);
        function el(tag, attrs, text) {
          const node = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
          if (text !== undefined) node.textContent = text;
          return node;
        }
        function clock(ms) {
          try {
            return new Intl.DateTimeFormat("en-GB", { timeZone: R.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).format(new Date(ms));
          } catch (e) { return new Date(ms).toISOString().slice(11, 16) + " UTC"; }
        }
        function hourLabel(ms) {
          try { return new Intl.DateTimeFormat("en-GB", { timeZone: R.timeZone, hour: "2-digit", hourCycle: "h23" }).format(new Date(ms)); }
          catch (e) { return new Date(ms).toISOString().slice(11, 13); }
        }
        function utc(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }
        function bytes(n) { return n >= 1e9 ? (n / 1e9).toFixed(2) + " GB" : n >= 1e6 ? (n / 1e6).toFixed(1) + " MB" : n >= 1e3 ? (n / 1e3).toFixed(1) + " kB" : n + " B"; }
        function quote(s) { return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'"; }
        function decode(states) {
          const out = [];
          for (const m of states.matchAll(/([a-z])(\d+)/g)) { const s = byCode[m[1]].state; for (let i = 0; i < +m[2]; i++) out.push(s); }
          return out;
        }
        function row(table, cells) { const tr = el("tr"); for (const c of cells) tr.append(el("td", {}, c)); $(table).querySelector("tbody").append(tr); }

        $("meta").textContent = `Generated ${R.generatedAt} · days in ${R.timeZone} · ${R.from} to ${R.to}`;
        const a = R.archive;
        $("archive").textContent = `${a.path}${a.store ? " (blobs in " + a.store + ")" : ""} · ${a.segments} segments, ${bytes(a.storedBytes)} stored · `
          + `${a.unverifiedBlobs} blobs not checked yet, ${a.failedBlobs} failed their check` + (a.lastVerifiedAt ? ` (last check ${a.lastVerifiedAt})` : "")
          + (a.activeHolds.length ? ` · legal holds: ${a.activeHolds.join(", ")}` : "");
        if (a.failedBlobs > 0) $("archive").classList.add("warn");
        for (const t of R.targets) row("targets", [t.label, t.path, t.lastPush, `${t.behindBlobs} blobs, ${bytes(t.behindBytes)}`, String(t.damagedBlobs)]);
        if (!R.targets.length) row("targets", ["no backup pushed yet", "", "", "", ""]);
        for (const r of R.runs) row("runs", [String(r.id), r.startedAt, r.finishedAt || "not finished", r.status]);
        if (!R.runs.length) row("runs", ["no run yet", "", "", ""]);
        for (const e of R.legend) {
          const item = el("span", { "data-state": e.state }); const sw = el("span", { class: "swatch" }); sw.style.background = e.color;
          item.append(sw, document.createTextNode(e.label)); $("legend").append(item);
        }
        for (const [cls, color, text] of [["hold", "#bf8700", "under a legal hold (case)"], ["extract", "#0969da", "extracted as evidence (case)"]]) {
          const item = el("span", { "data-state": cls }); const sw = el("span", { class: "swatch" }); sw.style.background = color;
          item.append(sw, document.createTextNode(text)); $("legend").append(item);
        }

        // The calendar: one block per channel, one month table per month of the report.
        R.channels.forEach((ch, ci) => {
          const block = el("div", { class: "channel", "data-server": ch.server, "data-channel": String(ch.channel) });
          block.append(el("h3", {}, `${ch.server} CH${ch.channel}`));
          const months = el("div", { class: "months" });
          let table = null, tbody = null, tr = null, month = "";
          ch.days.forEach((d, di) => {
            const [y, m, dd] = d.day.split("-").map(Number);
            const weekday = (new Date(Date.UTC(y, m - 1, dd)).getUTCDay() + 6) % 7;
            if (d.day.slice(0, 7) !== month) {
              month = d.day.slice(0, 7);
              table = el("table", { class: "month", "data-month": month });
              table.append(el("caption", {}, new Date(Date.UTC(y, m - 1, 1)).toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" })));
              const head = el("tr"); for (const w of ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]) head.append(el("th", {}, w));
              const thead = el("thead"); thead.append(head); table.append(thead);
              tbody = el("tbody"); table.append(tbody); months.append(table); tr = null;
            }
            if (!tr) { tr = el("tr"); tbody.append(tr); for (let i = 0; i < weekday; i++) tr.append(el("td")); }
            else if (weekday === 0) { tr = el("tr"); tbody.append(tr); }
            const share = d.recordedMinutes ? d.archivedMinutes / d.recordedMinutes : 0;
            const cell = el("td", { class: "day", "data-day": d.day, "data-share": share.toFixed(3), "data-channel-index": String(ci), "data-day-index": String(di),
              title: `${d.day}: ${d.archivedMinutes} of ${d.recordedMinutes} recorded minutes archived` }, String(dd));
            if (d.recordedMinutes) cell.style.background = `rgba(26,127,55,${(0.12 + 0.88 * share).toFixed(3)})`; else cell.classList.add("none");
            if (share > 0.6) cell.style.color = "#fff";
            if (/[dfl]/.test(d.states)) cell.classList.add("alert");
            cell.addEventListener("click", () => showDay(ci, di));
            tr.append(cell);
          });
          block.append(months); $("channels").append(block);
        });

        // The chosen day: its minutes as runs of one state, holds and extractions beneath.
        let current = null;
        function showDay(ci, di) {
          const ch = R.channels[ci], d = ch.days[di], start = Date.parse(d.start);
          current = { ch, d, start, minutes: decode(d.states) };
          document.querySelectorAll("td.day.selected").forEach(c => c.classList.remove("selected"));
          document.querySelector(`td.day[data-channel-index="${ci}"][data-day-index="${di}"]`).classList.add("selected");
          $("day-title").textContent = `${ch.server} CH${ch.channel} ${d.day} · ${d.archivedMinutes} of ${d.recordedMinutes} recorded minutes archived`;
          $("day-title").dataset.key = `${ch.server}/${ch.channel}/${d.day}`;
          const svg = $("timeline"); svg.setAttribute("viewBox", `0 0 ${d.minutes} 100`);
          for (const g of ["states", "holds", "extracts"]) $(g).replaceChildren();
          let i = 0;
          while (i < d.minutes) {
            let j = i + 1; while (j < d.minutes && current.minutes[j] === current.minutes[i]) j++;
            const s = current.minutes[i];
            const r = el("svg:rect", { x: i, y: 0, width: j - i, height: 64, fill: byState[s].color, "data-state": s, "data-start": i, "data-end": j });
            if (s === "unknown") { r.setAttribute("stroke", "none"); }
            $("states").append(r); i = j;
          }
          for (const n of d.notes) {
            if (n.kind !== "hold" && n.kind !== "extract") continue;
            const [g, y, color] = n.kind === "hold" ? ["holds", 70, "#bf8700"] : ["extracts", 86, "#0969da"];
            $(g).append(el("svg:rect", { x: n.start, y, width: n.end - n.start, height: 12, fill: color, "data-case": n.text, "data-start": n.start, "data-end": n.end }));
          }
          $("hours").replaceChildren();
          for (let m = 0; m <= d.minutes; m += 60) {
            const label = el("span", {}, m === d.minutes ? "24" : hourLabel(start + m * MIN)); label.style.left = (100 * m / d.minutes) + "%"; $("hours").append(label);
          }
          select(null);
          // Until a range is selected, the zoom shows the first hour with anything recorded or archived.
          const first = current.minutes.findIndex(s => s !== "empty" && s !== "unknown");
          zoom(first < 0 ? 0 : first, first < 0 ? 60 : first + 1);
          history.replaceState(null, "", `#${encodeURIComponent(ch.server)}/${ch.channel}/${d.day}`);
        }
        function minuteAt(event) {
          const box = $("timeline").getBoundingClientRect();
          return Math.max(0, Math.min(current.d.minutes - 1, Math.floor((event.clientX - box.left) / box.width * current.d.minutes)));
        }
        function notesAt(from, to) { return current.d.notes.filter(n => n.start < to && n.end > from); }
        function segmentsIn(from, to) {
          const a = current.start + from * MIN, b = current.start + to * MIN;
          return current.d.segments.filter(s => Date.parse(s.start) < b && Date.parse(s.end) > a);
        }
        function describe(m) {
          const lines = [`${clock(current.start + m * MIN)}–${clock(current.start + (m + 1) * MIN)} · ${byState[current.minutes[m]].label}`];
          for (const n of notesAt(m, m + 1)) {
            lines.push({ error: "last error: ", rule: "deleted by retention, ", hold: "legal hold, case ", extract: "extracted as evidence, case ", reason: "recorder said: " }[n.kind] + n.text);
          }
          for (const s of segmentsIn(m, m + 1)) {
            const x = R.exports[String(s.export)];
            lines.push(`segment ${s.start} ${bytes(s.bytes)} sha256 ${s.sha256}` + (x ? ` from ${x.sourceName}` : ""));
          }
          if (R.segmentDetailsOmitted && /[vud]/.test(byState[current.minutes[m]].code))
            lines.push(`segment details left out (${R.segmentDetailsOmitted} segments in the report); narrow the report for them`);
          return lines.join("\n");
        }
        // The minutes around [from, to) one rect each (at least an hour's worth), so a single
        // minute is as wide as the page allows; holds and extractions beneath, a tick every 10 minutes.
        function zoom(from, to) {
          const n = current.d.minutes, span = Math.min(n, Math.max(60, to - from + 10));
          const start = Math.max(0, Math.min(n - span, Math.round((from + to - span) / 2)));
          const svg = $("zoom"); svg.replaceChildren(); svg.setAttribute("viewBox", `0 0 ${span} 60`);
          for (let m = start; m < start + span; m++) {
            svg.append(el("svg:rect", { x: m - start, y: 0, width: 1, height: 40, fill: byState[current.minutes[m]].color,
              stroke: "#ffffff", "stroke-width": 0.04, "data-minute": m, "data-state": current.minutes[m] }));
          }
          for (const n of current.d.notes) {
            if ((n.kind !== "hold" && n.kind !== "extract") || n.end <= start || n.start >= start + span) continue;
            const a = Math.max(n.start, start), b = Math.min(n.end, start + span);
            svg.append(el("svg:rect", { x: a - start, y: n.kind === "hold" ? 44 : 52, width: b - a, height: 6,
              fill: n.kind === "hold" ? "#bf8700" : "#0969da", "data-case": n.text }));
          }
          $("zoom-title").textContent = `Minute by minute: ${clock(current.start + start * MIN)}–${clock(current.start + (start + span) * MIN)}`;
          $("zoom-ticks").replaceChildren();
          for (let m = Math.ceil(start / 10) * 10; m <= start + span; m += 10) {
            const label = el("span", {}, clock(current.start + m * MIN).slice(0, 5)); label.style.left = (100 * (m - start) / span) + "%";
            $("zoom-ticks").append(label);
          }
          $("zoom").dataset.start = start; $("zoom").dataset.end = start + span;
        }
        function select(range) {
          const mark = $("selection-mark"), body = $("selection-segments").querySelector("tbody");
          body.replaceChildren();
          if (!range) { mark.setAttribute("width", 0); $("selection").textContent = "Nothing selected."; $("extract-command").textContent = ""; return; }
          const [from, to] = range;
          mark.setAttribute("x", from); mark.setAttribute("width", to - from);
          zoom(from, to);
          const counts = {};
          for (let m = from; m < to; m++) counts[current.minutes[m]] = (counts[current.minutes[m]] || 0) + 1;
          const a = current.start + from * MIN, b = current.start + to * MIN;
          $("selection").textContent = `${clock(a)}–${clock(b)} (${utc(a)} to ${utc(b)}), ${to - from} min: `
            + R.legend.filter(e => counts[e.state]).map(e => `${counts[e.state]} ${e.label}`).join(", ");
          $("selection").dataset.from = from; $("selection").dataset.to = to;
          const segs = segmentsIn(from, to);
          for (const s of segs.slice(0, 200)) {
            const x = R.exports[String(s.export)];
            const tr = el("tr"); for (const c of [s.start, String(s.bytes), s.sha256, x ? x.sourceName : String(s.export)]) tr.append(el("td", {}, c)); body.append(tr);
          }
          if (segs.length > 200) { const tr = el("tr"); tr.append(el("td", { colspan: 4 }, `and ${segs.length - 200} more`)); body.append(tr); }
          $("extract-command").textContent = ["tsvault evidence extract", `--archive ${quote(R.archive.path)}`, `--server ${quote(current.ch.server)}`,
            `--channel ${current.ch.channel}`, `--from ${utc(a)}`, `--to ${utc(b)}`, `--timezone ${quote(R.timeZone)}`,
            "--case CASE-ID", "--requester 'NAME'", "--reason 'REASON'", "--output ./CASE-ID"].join(" \\\n    ");
        }
        let dragFrom = null;
        $("timeline").addEventListener("mousemove", e => { if (current) $("hover").textContent = describe(minuteAt(e)); });
        $("zoom").addEventListener("mousemove", e => {
          const r = e.target.dataset ? e.target.dataset.minute : undefined;
          if (current && r !== undefined) $("hover").textContent = describe(+r);
        });
        $("timeline").addEventListener("mousedown", e => { if (current) { dragFrom = minuteAt(e); e.preventDefault(); } });
        window.addEventListener("mouseup", e => {
          if (dragFrom === null) return;
          const to = minuteAt(e); select([Math.min(dragFrom, to), Math.max(dragFrom, to) + 1]); dragFrom = null;
        });
        // The day in the address (#server/channel/yyyy-mm-dd), else the newest day of the first channel.
        (function initial() {
          const [server, channel, day] = decodeURIComponent(location.hash.slice(1)).split("/");
          let ci = R.channels.findIndex(c => c.server === server && String(c.channel) === channel), di = -1;
          if (ci >= 0) di = R.channels[ci].days.findIndex(d => d.day === day);
          if (di < 0 && R.channels.length) { ci = 0; di = R.channels[0].days.length - 1; }
          if (di >= 0) showDay(ci, di);
        })();
        </script>

        """#
}
