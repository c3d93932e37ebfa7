#!/usr/bin/env python3
"""Writes infra/grafana/dashboards/*.json (the MS5 Grafana dashboards) from the definitions below.

The JSON files are what Grafana provisions and what the tests check; this script is only a convenient way to keep
five dashboards consistent (datasource refs, units, thresholds, template variables). Edit here, run
`python3 infra/grafana/build-dashboards.py`, commit both. Editing a JSON file by hand is fine too, as long as the
tests (GrafanaDashboardTests) pass.
"""
import json
import os

SCHEMA_VERSION = 42  # @grafana/schema 13.2.3 (infra/grafana/schema/VERSION)

PG = {"type": "grafana-postgresql-datasource", "uid": "ms5-postgres"}
INFLUX = {"type": "influxdb", "uid": "ms5-influxdb"}
PROM = {"type": "prometheus", "uid": "ms5-prometheus"}

OEE_STEPS = [{"color": "red", "value": None}, {"color": "yellow", "value": 0.65}, {"color": "green", "value": 0.85}]
RATIO_STEPS = [{"color": "red", "value": None}, {"color": "yellow", "value": 0.8}, {"color": "green", "value": 0.9}]
GREEN = [{"color": "green", "value": None}]


def thresholds(steps):
    return {"mode": "absolute", "steps": steps}


# ---------------------------------------------------------------- targets

def sql(raw, fmt="table", ref="A"):
    return {"refId": ref, "datasource": PG, "editorMode": "code", "format": fmt, "rawQuery": True, "rawSql": raw.strip()}


def influx(q, ref="A", alias=None):
    t = {"refId": ref, "datasource": INFLUX, "rawQuery": True, "resultFormat": "time_series", "query": q.strip()}
    if alias:
        t["alias"] = alias
    return t


def prom(expr, legend="__auto", ref="A", instant=False):
    return {"refId": ref, "datasource": PROM, "editorMode": "code", "expr": expr.strip(), "legendFormat": legend,
            "range": not instant, "instant": instant}


# ---------------------------------------------------------------- panels

class Layout:
    def __init__(self):
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.next_id = 1

    def place(self, w, h):
        if self.x + w > 24:
            self.x = 0
            self.y += self.row_h
            self.row_h = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def newline(self):
        if self.x:
            self.x = 0
            self.y += self.row_h
            self.row_h = 0

    def id(self):
        i = self.next_id
        self.next_id += 1
        return i


def field_config(unit, steps=GREEN, mn=None, mx=None, mappings=None, custom=None, overrides=None, color=None):
    d = {"unit": unit, "thresholds": thresholds(steps), "color": color or {"mode": "thresholds"}}
    if mn is not None:
        d["min"] = mn
    if mx is not None:
        d["max"] = mx
    if mappings:
        d["mappings"] = mappings
    if custom:
        d["custom"] = custom
    return {"defaults": d, "overrides": overrides or []}


def unit_override(names_units):
    return [{"matcher": {"id": "byName", "options": n}, "properties": [{"id": "unit", "value": u}]} for n, u in names_units]


def panel(lay, ptype, title, targets, w, h, fc, options, description=None, ds=None, interval=None, transformations=None):
    p = {"id": lay.id(), "type": ptype, "title": title, "gridPos": lay.place(w, h),
         "datasource": ds or targets[0]["datasource"], "targets": targets, "fieldConfig": fc, "options": options}
    if description:
        p["description"] = description
    if interval:
        p["interval"] = interval
    if transformations:
        p["transformations"] = transformations
    return p


def stat(lay, title, targets, unit, steps=GREEN, w=6, h=5, mn=None, mx=None, description=None, mappings=None, text_mode="auto"):
    return panel(lay, "stat", title, targets, w, h, field_config(unit, steps, mn, mx, mappings),
                 {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value",
                  "graphMode": "none", "justifyMode": "auto", "orientation": "auto", "textMode": text_mode,
                  "showPercentChange": False, "percentChangeColorMode": "standard", "wideLayout": True},
                 description)


def timeseries(lay, title, targets, unit, steps=GREEN, w=12, h=8, mn=None, mx=None, description=None, stacked=False,
               bars=False, overrides=None, interval=None, color_mode="palette-classic"):
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1, "fillOpacity": 80 if bars else 10,
              "showPoints": "never", "spanNulls": False,
              "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
              "thresholdsStyle": {"mode": "off"}}
    fc = field_config(unit, steps, mn, mx, custom=custom, overrides=overrides, color={"mode": color_mode})
    return panel(lay, "timeseries", title, targets, w, h, fc,
                 {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                  "tooltip": {"mode": "multi", "sort": "none"}}, description, interval=interval)


def table(lay, title, targets, unit, w=12, h=8, overrides=None, description=None, steps=GREEN, sort=None):
    opts = {"showHeader": True, "cellHeight": "sm", "frameIndex": 0}
    if sort:
        opts["sortBy"] = [{"displayName": sort[0], "desc": sort[1]}]
    return panel(lay, "table", title, targets, w, h,
                 field_config(unit, steps, custom={"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}, overrides=overrides),
                 opts, description)


def barchart(lay, title, targets, unit, x_field, w=12, h=8, description=None, stacked=False, horizontal=True,
             steps=GREEN, color_mode="palette-classic", mn=None, mx=None):
    fc = field_config(unit, steps, mn, mx, custom={"fillOpacity": 80, "lineWidth": 1, "gradientMode": "none"},
                      color={"mode": color_mode})
    return panel(lay, "barchart", title, targets, w, h, fc,
                 {"xField": x_field, "orientation": "horizontal" if horizontal else "vertical", "showValue": "auto",
                  "stacking": "normal" if stacked else "none", "groupWidth": 0.7, "barWidth": 0.9,
                  "xTickLabelRotation": 0, "xTickLabelSpacing": 0, "xTickLabelMaxLength": 0, "fullHighlight": False,
                  "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                  "tooltip": {"mode": "single", "sort": "none"}}, description)


def bargauge(lay, title, targets, unit, steps=GREEN, w=12, h=8, mn=None, mx=None, description=None, values=True):
    return panel(lay, "bargauge", title, targets, w, h, field_config(unit, steps, mn, mx),
                 {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": values},
                  "orientation": "horizontal", "displayMode": "gradient", "valueMode": "color",
                  "showUnfilled": True, "namePlacement": "auto", "sizing": "auto", "minVizHeight": 16,
                  "minVizWidth": 8, "maxVizHeight": 300,
                  "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False, "calcs": []}}, description)


STATES = [("running", "green"), ("idle", "yellow"), ("down", "red"), ("setup", "blue"), ("planned_stop", "purple"),
          ("offline", "text")]
STATE_CASE = "CASE si.state " + " ".join(f"WHEN '{s}' THEN {i}" for i, (s, _) in enumerate(STATES)) + " END"
STATE_MAPPINGS = [{"type": "value", "options": {str(i): {"text": s, "color": c, "index": i} for i, (s, c) in enumerate(STATES)}}]


def states_sql(join, where):
    """State intervals overlapping the time range as (time, machine, state number) rows, plus each machine's last
    state again where its last interval ends (now while open), so the timeline draws it to the end."""
    overlap = f"si.start_ts < $__timeTo() AND (si.end_ts IS NULL OR si.end_ts > $__timeFrom()) AND {where}"
    join = (join + "\n") if join else ""
    return f"""SELECT time, metric, value FROM (
  SELECT greatest(si.start_ts, $__timeFrom()) AS time, si.machine_id AS metric, {STATE_CASE} AS value
  FROM state_intervals si
  {join}  WHERE {overlap}
  UNION ALL
  (SELECT DISTINCT ON (si.machine_id) least(coalesce(si.end_ts, now()), $__timeTo()) AS time, si.machine_id AS metric, {STATE_CASE} AS value
  FROM state_intervals si
  {join}  WHERE {overlap}
  ORDER BY si.machine_id, si.start_ts DESC)
) s
ORDER BY 1"""


def state_timeline(lay, title, targets, w=24, h=8, description=None):
    fc = field_config("short", GREEN, mappings=STATE_MAPPINGS, custom={"fillOpacity": 80, "lineWidth": 0, "spanNulls": True})
    return panel(lay, "state-timeline", title, targets, w, h, fc,
                 {"mergeValues": True, "showValue": "auto", "alignValue": "left", "rowHeight": 0.9,
                  "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                  "tooltip": {"mode": "single", "sort": "none"}}, description)


def text(lay, title, content, w=24, h=3):
    return {"id": lay.id(), "type": "text", "title": title, "gridPos": lay.place(w, h),
            "options": {"mode": "markdown", "content": content}}


def row(lay, title):
    lay.newline()
    p = {"id": lay.id(), "type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": lay.place(24, 1)}
    lay.newline()
    return p


# ---------------------------------------------------------------- variables

def var_plant():
    return {"name": "plant", "label": "Plant", "type": "query", "datasource": PG,
            "query": "SELECT plant_id AS __value, name AS __text FROM plants ORDER BY name",
            "refresh": 1, "includeAll": False, "multi": False, "sort": 0}


def var_line(multi=True):
    return {"name": "line", "label": "Line", "type": "query", "datasource": PG,
            "query": "SELECT line_id AS __value, name AS __text FROM lines WHERE plant_id = '$plant' ORDER BY line_id",
            "refresh": 1, "includeAll": multi, "multi": multi, "sort": 0}


def var_machine():
    return {"name": "machine", "label": "Machine", "type": "query", "datasource": PG,
            "query": "SELECT machine_id AS __value, name AS __text FROM machines "
                     "WHERE plant_id = '$plant' AND line_id = '$line' AND active ORDER BY machine_id",
            "refresh": 1, "includeAll": False, "multi": False, "sort": 0}


def dashboard(uid, title, description, tags, panels, variables, time_from="now-6h", refresh="1m"):
    return {
        "uid": uid, "title": title, "description": description, "tags": ["ms5"] + tags,
        "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True, "graphTooltip": 1,
        "timezone": "browser", "fiscalYearStartMonth": 0, "liveNow": False, "refresh": refresh,
        "time": {"from": time_from, "to": "now"}, "timepicker": {},
        "links": [{"title": "MS5", "type": "dashboards", "tags": ["ms5"], "asDropdown": True, "includeVars": True,
                   "keepTime": True, "icon": "external link", "targetBlank": False, "tooltip": "", "url": ""}],
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": variables},
        "panels": panels,
    }


# ---------------------------------------------------------------- SQL pieces

# The machines of the selected plant and lines, joined to minute buckets in the time range.
MINUTES = """FROM oee_minute b
JOIN machines m ON m.machine_id = b.machine_id
WHERE $__timeFilter(b.minute) AND m.plant_id = '$plant' AND m.line_id IN ($line)"""

# OEE as ratios of sums of the additive minute components (never an average of ratios).
RATIOS = """sum(b.run_seconds) / nullif(sum(b.planned_seconds), 0) AS availability,
  sum(b.ideal_seconds) / nullif(sum(b.run_seconds), 0) AS performance,
  sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0) AS quality,
  (sum(b.ideal_seconds) / nullif(sum(b.planned_seconds), 0))
    * (sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0)) AS oee"""

RATIO_UNITS = [("oee", "percentunit"), ("availability", "percentunit"), ("performance", "percentunit"),
               ("quality", "percentunit")]

# The six big losses in seconds of planned time per machine, as analytics' SixBigLosses.From, then summed.
SIX_LOSSES_PER_MACHINE = """SELECT b.machine_id,
    sum(b.unplanned_stop_seconds) AS breakdowns,
    sum(b.setup_seconds) AS setup,
    sum(b.micro_stop_seconds) AS micro_stops,
    sum(b.run_seconds) - sum(b.micro_stop_seconds) - sum(b.ideal_seconds) AS reduced_speed,
    (sum(b.reject_count) - sum(b.startup_reject_count)) * coalesce(sum(b.ideal_seconds) / nullif(sum(b.good_count + b.reject_count), 0), 0) AS process_defects,
    sum(b.startup_reject_count) * coalesce(sum(b.ideal_seconds) / nullif(sum(b.good_count + b.reject_count), 0), 0) AS startup_rejects"""

LOSS_COLUMNS = ["breakdowns", "setup", "micro_stops", "reduced_speed", "process_defects", "startup_rejects"]
SUM_LOSSES = ", ".join(f"sum({c}) AS {c}" for c in LOSS_COLUMNS)

# Each scheduled shift that overlaps the time range, on the plant's clock: shift_patterns.days are the days a shift
# starts (a night shift 22:00-06:00 ends the next day), holidays have no shifts (as Ms5.Analytics' ShiftCalendar).
SHIFTS = """shifts AS (
  SELECT sp.name AS shift, d::date AS start_day,
         (d::date + sp.start_time) AT TIME ZONE p.time_zone AS shift_start,
         (d::date + sp.end_time + CASE WHEN sp.end_time <= sp.start_time THEN interval '1 day' ELSE interval '0' END)
           AT TIME ZONE p.time_zone AS shift_end
  FROM plants p
  JOIN shift_patterns sp ON sp.plant_id = p.plant_id
  CROSS JOIN generate_series(($__timeFrom()::timestamptz AT TIME ZONE p.time_zone)::date - 1,
                             ($__timeTo()::timestamptz AT TIME ZONE p.time_zone)::date, interval '1 day') d
  WHERE p.plant_id = '$plant' AND to_char(d, 'Dy') = ANY (sp.days)
    AND NOT EXISTS (SELECT 1 FROM holidays h WHERE h.plant_id = p.plant_id AND h.day = d::date)
)"""

SHIFT_MINUTES = """FROM shifts s
JOIN oee_minute b ON b.minute >= s.shift_start AND b.minute < s.shift_end
JOIN machines m ON m.machine_id = b.machine_id
WHERE s.shift_end > $__timeFrom() AND s.shift_start < $__timeTo()
  AND m.plant_id = '$plant' AND m.line_id IN ($line)"""

# Seconds of a stop inside the time range (an open stop lasts until now).
OVERLAP = ("extract(epoch FROM least(coalesce(s.end_ts, now()), $__timeTo()) - greatest(s.start_ts, $__timeFrom()))")


# ---------------------------------------------------------------- Plant overview

def plant_overview():
    lay = Layout()
    ps = []
    ps.append(row(lay, "OEE of the selected lines"))
    for title, col, steps in [("OEE", "oee", OEE_STEPS), ("Availability", "availability", RATIO_STEPS),
                              ("Performance", "performance", RATIO_STEPS), ("Quality", "quality", RATIO_STEPS)]:
        ps.append(stat(lay, title, [sql(f"SELECT\n  {RATIOS}\n{MINUTES}")],
                       "percentunit", steps, w=6, h=5, mn=0, mx=1,
                       description=f"{title} of the selected lines over the time range: ratio of sums of the minute "
                                   "buckets (oee_minute), never an average of ratios."))
        ps[-1]["options"]["reduceOptions"]["fields"] = f"/^{col}$/"
    ps.append(barchart(lay, "OEE, availability, performance, quality by line", [sql(f"""
SELECT l.name AS line,
  {RATIOS}
FROM oee_minute b
JOIN machines m ON m.machine_id = b.machine_id
JOIN lines l ON l.line_id = m.line_id
WHERE $__timeFilter(b.minute) AND m.plant_id = '$plant' AND m.line_id IN ($line)
GROUP BY l.line_id, l.name
ORDER BY l.line_id""")], "percentunit", "line", w=12, h=9, horizontal=False, mn=0, mx=1,
                       description="Ratios of the sums of each line's minute buckets over the time range."))
    ps.append(timeseries(lay, "Live line OEE (15 min, Prometheus)", [
        prom('ms5:line_oee:ratio_15m{plant="$plant", line=~"$line"}', "{{line}}"),
        prom('ms5:plant_oee:ratio_15m{plant="$plant"}', "plant", ref="B"),
    ], "percentunit", OEE_STEPS, w=12, h=9, mn=0, mx=1,
        description="Recording rules ms5:line_oee:ratio_15m and ms5:plant_oee:ratio_15m: rolling 15-minute OEE from the engine's counters."))
    ps.append(row(lay, "Machines"))
    ps.append(state_timeline(lay, "Machine states", [sql(states_sql(
        "JOIN machines m ON m.machine_id = si.machine_id", "m.plant_id = '$plant' AND m.line_id IN ($line)"), fmt="time_series")], h=10,
        description="Machine states from state_intervals (running, idle, down, setup, planned_stop, offline)."))
    ps.append(barchart(lay, "Downtime Pareto (top 10 reasons)", [sql(f"""
SELECT coalesce(rc.description, s.reason, '(no reason)') AS reason, sum({OVERLAP}) AS seconds
FROM stop_events s
JOIN machines m ON m.machine_id = s.machine_id
LEFT JOIN reason_codes rc ON rc.plant_id = m.plant_id AND rc.code = s.reason
WHERE s.start_ts < $__timeTo() AND (s.end_ts IS NULL OR s.end_ts > $__timeFrom())
  AND s.state IN ('down', 'idle', 'setup')
  AND m.plant_id = '$plant' AND m.line_id IN ($line)
GROUP BY 1
ORDER BY 2 DESC
LIMIT 10""")], "s", "reason", w=12, h=10,
        description="Stop time (down, idle, setup) inside the time range by reason, longest first."))
    ps.append(table(lay, "Open Andons", [sql("""
SELECT a.raised_at, a.line_id AS line, a.machine_id AS machine, a.severity, a.level, a.kind, a.summary,
       a.acked_at, a.acked_by, extract(epoch FROM now() - a.since) AS open_seconds
FROM andons a
WHERE a.resolved_at IS NULL AND a.plant_id = '$plant' AND a.line_id IN ($line)
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.raised_at""")],
        "short", w=12, h=10, overrides=unit_override([("open_seconds", "s")]),
        description="Andons not resolved yet, most severe first."))
    ps.append(row(lay, "Parts"))
    ps.append(timeseries(lay, "Parts per interval (minute buckets)", [sql(f"""
SELECT $__timeGroupAlias(b.minute, $__interval), sum(b.good_count) AS good, sum(b.reject_count) AS reject
{MINUTES}
GROUP BY 1
ORDER BY 1""", fmt="time_series")], "short", w=12, h=8, stacked=True, bars=True, interval="1m",
        description="Good and reject parts of the selected lines from oee_minute."))
    ps.append(timeseries(lay, "Parts per minute by line (Prometheus)", [
        prom('sum by (line, kind) (rate(ms5_parts_total{plant="$plant", line=~"$line"}[$__rate_interval])) * 60',
             "{{line}} {{kind}}"),
    ], "short", w=12, h=8, description="Rate of ms5_parts_total per line and kind, in parts per minute."))
    return dashboard("ms5-plant-overview", "MS5 Plant overview",
                     "OEE and A/P/Q by line, machine states, downtime Pareto, open Andons and parts of one plant.",
                     ["oee", "andon"], ps, [var_plant(), var_line()])


# ---------------------------------------------------------------- Machine

def machine():
    lay = Layout()
    ps = []
    one = """FROM oee_minute b
WHERE $__timeFilter(b.minute) AND b.machine_id = '$machine'"""
    for title, col, steps in [("OEE", "oee", OEE_STEPS), ("Availability", "availability", RATIO_STEPS),
                              ("Performance", "performance", RATIO_STEPS), ("Quality", "quality", RATIO_STEPS)]:
        ps.append(stat(lay, title, [sql(f"SELECT\n  {RATIOS}\n{one}")], "percentunit", steps, w=6, h=5, mn=0, mx=1,
                       description=f"{title} of the machine over the time range (ratio of sums of oee_minute)."))
        ps[-1]["options"]["reduceOptions"]["fields"] = f"/^{col}$/"
    ps.append(timeseries(lay, "OEE trend (minute buckets)", [sql(f"""
SELECT $__timeGroupAlias(b.minute, $__interval),
  {RATIOS}
{one}
GROUP BY 1
ORDER BY 1""", fmt="time_series")], "percentunit", OEE_STEPS, w=16, h=9, mn=0, mx=1, interval="1m",
        description="OEE, availability, performance and quality per interval: ratios of the sums of the minute buckets in each interval."))
    ps.append(bargauge(lay, "Six big losses", [sql(f"""
WITH per_machine AS (
  {SIX_LOSSES_PER_MACHINE.replace(chr(10), chr(10) + '  ')}
  {one.replace(chr(10), chr(10) + '  ')}
  GROUP BY b.machine_id
)
SELECT {SUM_LOSSES} FROM per_machine""")], "s", [{"color": "orange", "value": None}], w=8, h=9, mn=0, values=False,
        description="Seconds of planned time lost to each of the six big losses (as the OEE API's losses)."))
    ps.append(timeseries(lay, "Stop time per interval", [sql(f"""
SELECT $__timeGroupAlias(b.minute, $__interval),
  sum(b.unplanned_stop_seconds) AS unplanned, sum(b.setup_seconds) AS setup,
  sum(b.micro_stop_seconds) AS micro_stops, sum(b.planned_stop_seconds) AS planned_stops
{one}
GROUP BY 1
ORDER BY 1""", fmt="time_series")], "s", w=12, h=8, stacked=True, bars=True, interval="1m",
        description="Losses by category from the minute buckets."))
    ps.append(timeseries(lay, "Parts (InfluxDB)", [
        influx('SELECT sum("good") AS "good", sum("reject") AS "reject" FROM "machine_count" '
               'WHERE "machine" =~ /^$machine$/ AND $timeFilter GROUP BY time($__interval) fill(0)', "A"),
        influx('SELECT non_negative_difference(last("good_total")) AS "good (counter)", '
               'non_negative_difference(last("reject_total")) AS "reject (counter)" FROM "machine_counter" '
               'WHERE "machine" =~ /^$machine$/ AND $timeFilter GROUP BY time($__interval) fill(none)', "B"),
    ], "short", w=12, h=8, bars=True, interval="1m",
        description="Counts as the machine sent them (machine_count for increment machines, differences of machine_counter for cumulative ones)."))
    ps.append(state_timeline(lay, "State", [sql(states_sql("", "si.machine_id = '$machine'"), fmt="time_series")], h=5,
        description="The machine's states from state_intervals."))
    ps.append(table(lay, "Stops", [sql("""
SELECT s.start_ts, s.end_ts, s.state, s.reason, s.reason_category, s.seconds
FROM stop_events s
WHERE s.machine_id = '$machine' AND s.start_ts < $__timeTo() AND (s.end_ts IS NULL OR s.end_ts > $__timeFrom())
ORDER BY s.start_ts DESC
LIMIT 500""")], "short", w=14, h=10, overrides=unit_override([("seconds", "s")]),
        description="Stops (anything but running) overlapping the time range, newest first; end_ts empty while the stop lasts."))
    ps.append(timeseries(lay, "Live 15-minute KPIs (Prometheus)", [
        prom('ms5_oee_live_15m_ratio{plant="$plant", machine="$machine"}', "{{kpi}}"),
    ], "percentunit", OEE_STEPS, w=10, h=10, mn=0, mx=1,
        description="The engine's rolling 15-minute KPIs of the machine (ms5_oee_live_15m_ratio)."))
    return dashboard("ms5-machine", "MS5 Machine",
                     "One machine: OEE trend from minute buckets, losses, stops and counts.",
                     ["oee"], ps, [var_plant(), var_line(multi=False), var_machine()])


# ---------------------------------------------------------------- Shift

def shift():
    lay = Layout()
    ps = []
    ps.append(table(lay, "OEE per shift", [sql(f"""
WITH {SHIFTS}
SELECT s.shift_start, s.shift_end, s.shift, s.start_day,
  sum(b.planned_seconds) AS planned_seconds, sum(b.good_count) AS good, sum(b.reject_count) AS reject,
  {RATIOS}
{SHIFT_MINUTES}
GROUP BY s.shift_start, s.shift_end, s.shift, s.start_day
ORDER BY s.shift_start DESC""")], "short", w=24, h=9,
        overrides=unit_override(RATIO_UNITS + [("planned_seconds", "s")]) + [
            {"matcher": {"id": "byName", "options": "oee"}, "properties": [
                {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                {"id": "thresholds", "value": thresholds(OEE_STEPS)}]}],
        description="Each shift of the plant's shift patterns (on the plant's clock) that overlaps the time range: "
                    "ratios of the sums of the selected lines' minute buckets in the shift, as the shift report."))
    ps.append(barchart(lay, "OEE per shift", [sql(f"""
WITH {SHIFTS}
SELECT to_char(s.shift_start AT TIME ZONE (SELECT time_zone FROM plants WHERE plant_id = '$plant'), 'YYYY-MM-DD HH24:MI') || ' ' || s.shift AS shift,
  {RATIOS}
{SHIFT_MINUTES}
GROUP BY s.shift_start, s.shift
ORDER BY s.shift_start""")], "percentunit", "shift", w=24, h=9, horizontal=False, mn=0, mx=1))
    ps.append(barchart(lay, "Six big losses per shift", [sql(f"""
WITH {SHIFTS},
per_machine AS (
  {SIX_LOSSES_PER_MACHINE.replace(chr(10), chr(10) + '  ').replace('SELECT b.machine_id,', 'SELECT s.shift_start, s.shift, b.machine_id,')}
  {SHIFT_MINUTES.replace(chr(10), chr(10) + '  ')}
  GROUP BY s.shift_start, s.shift, b.machine_id
)
SELECT to_char(shift_start AT TIME ZONE (SELECT time_zone FROM plants WHERE plant_id = '$plant'), 'YYYY-MM-DD HH24:MI') || ' ' || shift AS shift,
  {SUM_LOSSES}
FROM per_machine
GROUP BY shift_start, shift
ORDER BY shift_start""")], "s", "shift", w=16, h=10, stacked=True, horizontal=False,
        description="Seconds of planned time lost per shift to breakdowns, setup, micro-stops, reduced speed, process defects and start-up rejects."))
    ps.append(bargauge(lay, "Six big losses in the time range", [sql(f"""
WITH {SHIFTS},
per_machine AS (
  {SIX_LOSSES_PER_MACHINE.replace(chr(10), chr(10) + '  ')}
  {SHIFT_MINUTES.replace(chr(10), chr(10) + '  ')}
  GROUP BY s.shift_start, b.machine_id
)
SELECT {SUM_LOSSES} FROM per_machine""")], "s", [{"color": "orange", "value": None}], w=8, h=10, mn=0, values=False))
    ps.append(table(lay, "Shift reports", [sql("""
SELECT r.from_ts, r.to_ts, r.shift_name, r.line_id AS line, r.revision, r.status, r.completeness, r.generated_at, r.file_name
FROM reports r
WHERE r.kind = 'shift' AND r.plant_id = '$plant' AND $__timeFilter(r.from_ts)
  AND (r.line_id IS NULL OR r.line_id IN ($line))
ORDER BY r.from_ts DESC, r.revision DESC
LIMIT 200""")], "short", w=24, h=8, overrides=unit_override([("completeness", "percentunit")]),
        description="Shift reports made by the reports host (GET /api/reports for the files)."))
    return dashboard("ms5-shift", "MS5 Shift",
                     "OEE and the six big losses per shift, from the minute buckets and the plant's shift patterns.",
                     ["oee", "shift"], ps, [var_plant(), var_line()], time_from="now-7d", refresh="5m")


# ---------------------------------------------------------------- System

def system():
    lay = Layout()
    ps = []
    svc = 'job="ms5", service=~"$service"'
    ps.append(row(lay, "Processes"))
    ps.append(stat(lay, "Up", [prom(f'up{{{svc}}}', "{{service}}", instant=True)], "short",
                   [{"color": "red", "value": None}, {"color": "green", "value": 1}], w=12, h=5,
                   mappings=[{"type": "value", "options": {"0": {"text": "down", "color": "red", "index": 0},
                                                           "1": {"text": "up", "color": "green", "index": 1}}}],
                   description="Scrape health of each MS5 process (job ms5)."))
    ps[-1]["gridPos"]["w"] = 8
    lay.x = 8
    ps.append(stat(lay, "Restarts (time range)", [prom(f'sum(changes(process_start_time_seconds{{{svc}}}[$__range]))', "restarts", instant=True)],
                   "short", [{"color": "green", "value": None}, {"color": "red", "value": 1}], w=4, h=5,
                   description="Process starts of the selected services inside the time range."))
    ps.append(stat(lay, "OEE engine: seconds since last tick", [prom('time() - max(ms5_oee_last_tick_timestamp_seconds)', "tick age", instant=True)],
                   "s", [{"color": "green", "value": None}, {"color": "yellow", "value": 30}, {"color": "red", "value": 120}],
                   w=6, h=5))
    ps.append(stat(lay, "Dead letters (time range)", [prom('sum(increase(ms5_dlq_messages_total[$__range]))', "dead letters", instant=True)],
                   "short", [{"color": "green", "value": None}, {"color": "yellow", "value": 1}, {"color": "red", "value": 100}],
                   w=6, h=5))
    ps.append(timeseries(lay, "CPU (100 % = one core)", [prom(f'sum by (service) (rate(process_cpu_seconds_total{{{svc}}}[$__rate_interval]))', "{{service}}")],
                         "percentunit", w=12, h=8, mn=0))
    ps.append(timeseries(lay, "Memory (working set)", [prom(f'sum by (service) (process_working_set_bytes{{{svc}}})', "{{service}}")],
                         "bytes", w=12, h=8, mn=0))
    ps.append(row(lay, "Pipeline"))
    ps.append(timeseries(lay, "Consumer lag", [prom('sum by (group, topic) (ms5_consumer_lag_messages)', "{{group}} {{topic}}")],
                         "short", [{"color": "green", "value": None}, {"color": "red", "value": 10000}], w=12, h=8, mn=0,
                         description="High watermark minus next offset, summed over the partitions a group owns."))
    ps.append(timeseries(lay, "Sink throughput", [prom('sum by (group) (rate(ms5_sink_messages_total[$__rate_interval]))', "{{group}}")],
                         "short", w=12, h=8, mn=0, description="Messages durably handled per second."))
    ps.append(timeseries(lay, "Dead letters by reason", [prom('sum by (reason) (increase(ms5_dlq_messages_total[$__rate_interval]))', "{{reason}}")],
                         "short", w=8, h=8, mn=0, bars=True))
    ps.append(timeseries(lay, "Write failures and Kafka errors", [
        prom('sum by (group) (increase(ms5_sink_write_failures_total[$__rate_interval]))', "sink {{group}}", ref="A"),
        prom('sum by (topic) (increase(ms5_kafka_produce_errors_total[$__rate_interval]))', "produce {{topic}}", ref="B"),
        prom('sum(increase(ms5_dlq_publish_failures_total[$__rate_interval]))', "DLQ publish", ref="C"),
    ], "short", w=8, h=8, mn=0, bars=True))
    ps.append(timeseries(lay, "Engine batch phases (p95)", [
        prom('histogram_quantile(0.95, sum by (le, phase) (rate(ms5_oee_batch_phase_seconds_bucket[$__rate_interval])))', "{{phase}}"),
        prom('histogram_quantile(0.95, sum by (le, group) (rate(ms5_sink_batch_seconds_bucket[$__rate_interval])))', "sink {{group}}", ref="B"),
    ], "s", w=8, h=8, mn=0))
    ps.append(row(lay, "API"))
    ps.append(timeseries(lay, "API latency p95 by route", [prom('ms5:http_request_duration_seconds:p95_5m', "{{route}}")],
                         "s", [{"color": "green", "value": None}, {"color": "red", "value": 0.5}], w=12, h=8, mn=0,
                         description="Recording rule ms5:http_request_duration_seconds:p95_5m."))
    ps.append(timeseries(lay, "API requests by status", [
        prom('sum by (status) (rate(ms5_http_request_duration_seconds_count[$__rate_interval]))', "{{status}}"),
    ], "reqps", w=12, h=8, mn=0))
    ps.append(row(lay, "Database"))
    ps.append(stat(lay, "PostgreSQL up", [prom('pg_up', "{{instance}}", instant=True)], "short",
                   [{"color": "red", "value": None}, {"color": "green", "value": 1}], w=4, h=5,
                   mappings=[{"type": "value", "options": {"0": {"text": "down", "color": "red", "index": 0},
                                                           "1": {"text": "up", "color": "green", "index": 1}}}]))
    ps.append(stat(lay, "Connections used", [prom('sum(pg_stat_activity_count) / max(pg_settings_max_connections)', "used", instant=True)],
                   "percentunit", [{"color": "green", "value": None}, {"color": "yellow", "value": 0.7}, {"color": "red", "value": 0.9}],
                   w=4, h=5, mn=0, mx=1))
    ps.append(stat(lay, "Database size", [prom('pg_database_size_bytes{datname="ms5"}', "{{datname}}", instant=True)], "bytes", w=4, h=5))
    ps.append(timeseries(lay, "Transactions per second", [
        prom('sum(rate(pg_stat_database_xact_commit{datname="ms5"}[$__rate_interval]))', "commit"),
        prom('sum(rate(pg_stat_database_xact_rollback{datname="ms5"}[$__rate_interval]))', "rollback", ref="B"),
    ], "ops", w=6, h=8, mn=0))
    ps.append(timeseries(lay, "Locks by mode", [prom('sum by (mode) (pg_locks_count{datname="ms5"})', "{{mode}}")], "short", w=6, h=8, mn=0))
    ps.append(row(lay, "Node"))
    ps.append(timeseries(lay, "CPU busy", [prom('1 - avg(rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))', "cpu")],
                         "percentunit", [{"color": "green", "value": None}, {"color": "red", "value": 0.9}], w=6, h=8, mn=0, mx=1))
    ps.append(timeseries(lay, "Memory used", [prom('1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', "memory")],
                         "percentunit", [{"color": "green", "value": None}, {"color": "red", "value": 0.9}], w=6, h=8, mn=0, mx=1))
    ps.append(timeseries(lay, "Disk used", [prom('1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"}', "{{mountpoint}}")],
                         "percentunit", [{"color": "green", "value": None}, {"color": "red", "value": 0.85}], w=6, h=8, mn=0, mx=1))
    ps.append(timeseries(lay, "Load", [prom('node_load1', "1m"), prom('node_load5', "5m", ref="B")], "short", w=6, h=8, mn=0))
    svc_var = {"name": "service", "label": "Service", "type": "query", "datasource": PROM,
               "query": {"query": 'label_values(up{job="ms5"}, service)', "refId": "PrometheusVariableQueryEditor-VariableQuery"},
               "refresh": 1, "includeAll": True, "multi": True, "sort": 1}
    return dashboard("ms5-system", "MS5 System",
                     "MS5 processes, pipeline lag and dead letters, API latency, PostgreSQL and the node.",
                     ["ops"], ps, [svc_var], time_from="now-3h", refresh="30s")


# ---------------------------------------------------------------- Data quality

def data_quality():
    lay = Layout()
    ps = []
    ps.append(timeseries(lay, "Late and duplicate events (engine)", [
        prom('sum by (outcome) (increase(ms5_oee_events_total{outcome=~"late|duplicate"}[$__rate_interval]))', "{{outcome}}"),
    ], "short", w=12, h=8, mn=0, bars=True,
        description="Events the OEE engine saw older than its grace (late) or already stored (duplicate)."))
    ps.append(timeseries(lay, "Arrival delay (received − event time)", [sql("""
SELECT $__timeGroupAlias(e.received_at, $__interval),
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM e.received_at - e.ts)) AS p95_delay,
  max(extract(epoch FROM e.received_at - e.ts)) AS max_delay,
  min(extract(epoch FROM e.received_at - e.ts)) AS min_delay
FROM raw_events e
JOIN machines m ON m.machine_id = e.machine_id
WHERE $__timeFilter(e.received_at) AND e.ts > $__timeFrom()::timestamptz - interval '1 day'
  AND m.plant_id = '$plant' AND m.line_id IN ($line)
GROUP BY 1
ORDER BY 1""", fmt="time_series")], "s", [{"color": "green", "value": None}, {"color": "red", "value": 120}], w=12, h=8,
        interval="1m", description="How long after their event time the historian stored events; a negative minimum is a machine clock ahead."))
    ps.append(table(lay, "Late events by machine", [sql("""
SELECT m.line_id AS line, e.machine_id AS machine, count(*) AS events,
  count(*) FILTER (WHERE e.received_at - e.ts > make_interval(secs => $late_after)) AS late,
  count(*) FILTER (WHERE e.received_at - e.ts > make_interval(secs => $late_after))::float8 / nullif(count(*), 0) AS late_ratio,
  max(extract(epoch FROM e.received_at - e.ts)) AS max_delay
FROM raw_events e
JOIN machines m ON m.machine_id = e.machine_id
WHERE $__timeFilter(e.received_at) AND e.ts > $__timeFrom()::timestamptz - interval '1 day'
  AND m.plant_id = '$plant' AND m.line_id IN ($line)
GROUP BY m.line_id, e.machine_id
ORDER BY late DESC, machine""")], "short", w=12, h=9,
        overrides=unit_override([("late_ratio", "percentunit"), ("max_delay", "s")]),
        description="Events stored more than $late_after seconds after their event time (the engine's grace is 2 minutes by default)."))
    ps.append(table(lay, "Silent machines", [sql("""
SELECT m.line_id AS line, m.machine_id AS machine, m.name, last.ts AS last_event,
  extract(epoch FROM now() - last.ts) AS silent_seconds
FROM machines m
JOIN plants p ON p.plant_id = m.plant_id
LEFT JOIN LATERAL (SELECT max(e.ts) AS ts FROM raw_events e WHERE e.machine_id = m.machine_id) last ON true
WHERE m.active AND m.plant_id = '$plant' AND m.line_id IN ($line)
  AND (last.ts IS NULL OR last.ts < now() - make_interval(secs => coalesce((p.config -> 'oee' ->> 'offlineAfterSeconds')::float8, 300)))
ORDER BY last.ts NULLS FIRST""")], "short", w=12, h=9, overrides=unit_override([("silent_seconds", "s")]),
        description="Active machines with no event for longer than the plant's offlineAfterSeconds (or none at all)."))
    ps.append(bargauge(lay, "Seconds since each machine's last event (engine)", [
        prom('time() - ms5_machine_last_event_timestamp_seconds{plant="$plant", line=~"$line"}', "{{machine}}", instant=True),
    ], "s", [{"color": "green", "value": None}, {"color": "yellow", "value": 120}, {"color": "red", "value": 300}],
        w=12, h=9, mn=0, values=False))
    ps.append(barchart(lay, "Dead letters by reason", [sql("""
SELECT d.stage || ': ' || d.reason AS reason, count(*) AS dead_letters
FROM dead_letters d
WHERE $__timeFilter(d.received_at)
GROUP BY 1
ORDER BY 2 DESC
LIMIT 15""")], "short", "reason", w=12, h=9))
    ps.append(timeseries(lay, "Dead letters by reason class (Prometheus)", [
        prom('sum by (reason) (increase(ms5_dlq_messages_total[$__rate_interval]))', "{{reason}}"),
    ], "short", w=12, h=9, mn=0, bars=True, stacked=True))
    ps.append(table(lay, "Latest dead letters", [sql("""
SELECT d.received_at, d.stage, d.source_topic, d.source_partition, d.source_offset, d.machine_id, d.reason,
  left(d.problems::text, 300) AS problems, d.dlq_published_at
FROM dead_letters d
WHERE $__timeFilter(d.received_at)
ORDER BY d.received_at DESC
LIMIT 200""")], "short", w=24, h=9))
    late = {"name": "late_after", "label": "Late after (s)", "type": "custom", "query": "60,120,300,900",
            "current": {"text": "120", "value": "120", "selected": True},
            "options": [{"text": v, "value": v, "selected": v == "120"} for v in ["60", "120", "300", "900"]],
            "includeAll": False, "multi": False}
    return dashboard("ms5-data-quality", "MS5 Data quality",
                     "Late events, dead letters and their reasons, silent machines.",
                     ["data-quality"], ps, [var_plant(), var_line(), late], time_from="now-24h", refresh="1m")


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
    os.makedirs(out, exist_ok=True)
    for name, build in [("plant-overview", plant_overview), ("machine", machine), ("shift", shift),
                        ("system", system), ("data-quality", data_quality)]:
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(build(), f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
