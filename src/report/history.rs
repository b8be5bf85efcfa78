//! The reports of `pins log` and `pins status`: their `--format json` is the core's `Serialize`
//! form ([`Log`], [`Board`]); text and markdown are here.

use super::{md_code, table, Format, Report, Style};
use crate::clock::duration_text;
use crate::history::log::{Entry, Log};
use crate::history::short;
use crate::status::{Board, Hop, Row, State};

impl Report for Log {
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown];

    fn text(&self, style: Style) -> String {
        log_text(self, style)
    }

    fn markdown(&self) -> String {
        log_markdown(self)
    }
}

impl Report for Board {
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown];

    fn text(&self, style: Style) -> String {
        status_text(self, style)
    }

    fn markdown(&self) -> String {
        status_markdown(self)
    }
}

const LOG_HEADER: [&str; 8] = ["TIME", "COMMIT", "VIA", "AUTHOR", "PIN", "CHANGE", "KIND", "SUBJECT"];

/// One row of the log table.
fn log_row(e: &Entry) -> Vec<String> {
    let author = match (&e.author, &e.email) {
        (Some(a), Some(m)) => format!("{a} <{m}>"),
        _ => "—".into(),
    };
    let (pin, change) = match &e.record {
        Some(r) => (
            "record".to_string(),
            format!("recorded after tests at {}", r.recorded_at),
        ),
        None => (
            e.pin.as_deref().unwrap_or("").to_string(),
            format!(
                "{} → {}",
                e.from.as_deref().unwrap_or("—"),
                e.to.as_deref().unwrap_or("—")
            ),
        ),
    };
    let subject = match (&e.subject, &e.record) {
        (Some(s), _) => s.clone(),
        (None, Some(r)) => r.file.clone(),
        (None, None) => String::new(),
    };
    vec![
        e.time.clone(),
        e.commit.as_deref().map_or("—", short).to_string(),
        e.via.unwrap_or("folder").to_string(),
        author,
        pin,
        change,
        e.kind.map_or("", |k| k.as_str()).to_string(),
        subject,
    ]
}

/// The timeline as one table per environment.
fn log_text(log: &Log, style: Style) -> String {
    let mut out = String::new();
    for (i, env) in log.environments.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&style.bold(&format!("{} (branch {})", env.environment, env.branch)));
        out.push('\n');
        if env.entries.is_empty() {
            out.push_str("no pin changes\n");
            continue;
        }
        let rows: Vec<Vec<String>> = env.entries.iter().map(log_row).collect();
        out.push_str(&table(&LOG_HEADER, &rows, |r, c, cell| {
            match env.entries.get(r).and_then(|e| e.kind) {
                Some(kind) if c == 6 => style.kind(kind, &cell),
                _ => cell,
            }
        }));
    }
    out
}

/// The timeline as markdown tables, for a dashboard or a pull-request comment.
fn log_markdown(log: &Log) -> String {
    let mut out = String::new();
    for env in &log.environments {
        out.push_str(&format!(
            "### {} (branch {})\n\n",
            env.environment,
            md_code(&env.branch)
        ));
        if env.entries.is_empty() {
            out.push_str("No pin changes.\n\n");
            continue;
        }
        out.push_str("| time | commit | via | author | pin | change | kind | subject |\n");
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for row in env.entries.iter().map(log_row) {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 3 || i == 7 { md_text(c) } else { md_code(c) })
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
    }
    out
}

/// Plain text in a markdown table cell: pipes, newlines and markup characters escaped.
fn md_text(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '\n' | '\r' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// The board: versions per environment, then each hop that is not in sync.
fn status_text(board: &Board, style: Style) -> String {
    let mut header: Vec<&str> = vec!["PIN"];
    header.extend(board.environments.iter().map(|c| c.environment.as_str()));
    let rows: Vec<Vec<String>> = board.pins.iter().map(version_row).collect();
    let mut out = table(&header, &rows, |_, _, cell| cell);
    let hops = hop_rows(board);
    if !hops.is_empty() {
        out.push('\n');
        let header = ["STATE", "PIN", "HOP", "CHANGE", "KIND", "DETAIL"];
        out.push_str(&table(&header, &hops, |_, c, cell| match c {
            0 if cell.starts_with("blocked") => style.red(&cell),
            _ => cell,
        }));
    }
    if !board.holds.is_empty() {
        out.push('\n');
        out.push_str(&super::holds::table(&board.holds));
    }
    out.push_str(&format!("\n{}\n", summary(board)));
    out
}

/// The board as markdown, for a dashboard or a pull-request comment.
fn status_markdown(board: &Board) -> String {
    let mut out = String::from("| pin |");
    for c in &board.environments {
        out.push_str(&format!(" {} |", md_text(&c.environment)));
    }
    out.push_str(&format!("\n|---|{}\n", "---|".repeat(board.environments.len())));
    for row in board.pins.iter().map(version_row) {
        let cells: Vec<String> = row.iter().map(|c| md_code(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    let hops = hop_rows(board);
    if !hops.is_empty() {
        out.push_str("\n| state | pin | hop | change | kind | detail |\n|---|---|---|---|---|---|\n");
        for row in hops {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 5 { md_text(c) } else { md_code(c) })
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    if !board.holds.is_empty() {
        out.push_str("\n| held | environment | version | since | reason |\n|---|---|---|---|---|\n");
        for h in &board.holds {
            let since = h.since.as_deref().unwrap_or_default();
            let cells = [
                md_code(&h.pin),
                md_text(&h.environment),
                md_code(&h.version),
                md_code(since),
                md_text(&h.reason),
            ];
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out.push_str(&format!("\n{}\n", summary(board)));
    out
}

fn version_row(row: &Row) -> Vec<String> {
    let mut cells = vec![row.pin.to_string()];
    cells.extend(row.versions.iter().map(|v| v.as_deref().unwrap_or("—").to_string()));
    cells
}

fn hop_rows(board: &Board) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for row in &board.pins {
        for hop in row.hops.iter().filter(|h| h.state != State::InSync) {
            let state = match hop.state {
                State::Blocked => "blocked",
                _ => "pending",
            };
            out.push(vec![
                state.to_string(),
                row.pin.to_string(),
                format!("{} → {}", hop.from, hop.to),
                format!(
                    "{} → {}",
                    hop.current.as_deref().unwrap_or("—"),
                    hop.version.as_deref().unwrap_or("—")
                ),
                hop.kind.as_str().to_string(),
                detail(hop),
            ]);
        }
    }
    out
}

/// Since when, whether recorded, and the blockers.
fn detail(hop: &Hop) -> String {
    let mut parts = Vec::new();
    if let (Some(since), Some(age)) = (&hop.since, hop.age_seconds) {
        parts.push(format!("in {} since {since} ({})", hop.from, duration_text(age)));
    }
    if hop.version.is_some() {
        parts.push(if hop.recorded {
            "recorded".to_string()
        } else {
            "no record".to_string()
        });
    }
    parts.extend(hop.blocked_by.iter().cloned());
    parts.join("; ")
}

fn summary(board: &Board) -> String {
    match (board.pending, board.blocked) {
        (0, 0) => "in sync: nothing to promote".to_string(),
        (p, b) => format!("{p} pending, {b} blocked"),
    }
}
