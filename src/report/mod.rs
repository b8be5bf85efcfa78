//! The only place that formats output. Every command builds one typed report value and hands it
//! to [`render`], which turns it into text, JSON, markdown or a patch.
//!
//! # Adding a report for a new command
//!
//! 1. Add a file under `src/report/` with a `#[derive(Serialize)]` struct. Its fields *are* the
//!    `--format json` shape: document it in README.md. Fields only text needs get
//!    `#[serde(skip)]`.
//! 2. `impl Report for YourReport`: `text` is what people read on a terminal (use [`table`] and
//!    [`Style`]); override `markdown` or `patch` and list them in `FORMATS` only if the command
//!    has them.
//! 3. In the command: `#[command(flatten)] output: OutputArgs` in its `Args`, build the report
//!    from the core's results, and end with `ctx.emit(&args.output, &report)`. A command that
//!    writes calls `args.output.require::<YourReport>()?` before it touches anything, so an
//!    unsupported `--format` never leaves a half-done write behind.
//! 4. Add its text (and markdown) output and its errors to a snapshot case in `tests/cmd/*.md`
//!    (`TRYCMD=overwrite cargo test --test snapshots` fills in the expected output).
//!
//! JSON is produced by serde from the same value, so every `--format json` path, refusals
//! included, prints valid JSON. Nothing here sees clap except the derive on [`Format`].

pub(crate) mod artifacts;
pub(crate) mod check;
pub(crate) mod comparison;
pub(crate) mod edit;
pub(crate) mod environments;
pub(crate) mod history;
pub(crate) mod holds;
pub(crate) mod init;
pub(crate) mod outdated;
pub(crate) mod promotion;
pub(crate) mod record;
pub(crate) mod rollback;
pub(crate) mod show;
pub(crate) mod verify;

use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::Value;

use crate::version::Kind;

/// An output format; which ones a command offers is its report's [`Report::FORMATS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// For people (`args` is the same, for `tf-args`).
    #[default]
    #[value(alias = "args")]
    Text,
    /// For programs: the shapes documented in README.md.
    Json,
    /// For pull-request comments.
    Markdown,
    /// A unified diff.
    Patch,
}

impl Format {
    /// The name `--format` takes.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Patch => "patch",
        }
    }
}

/// A command's result, ready to be rendered in any of its formats.
pub(crate) trait Report: Serialize {
    /// The formats this report has.
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json];

    /// The text people read.
    fn text(&self, style: Style) -> String;

    /// Markdown, for reports that list [`Format::Markdown`].
    fn markdown(&self) -> String {
        String::new()
    }

    /// A unified diff, for reports that list [`Format::Patch`].
    fn patch(&self) -> String {
        String::new()
    }
}

/// Refuses a format the report does not have, naming the ones it does.
pub(crate) fn require<R: Report>(format: Format) -> Result<()> {
    if R::FORMATS.contains(&format) {
        return Ok(());
    }
    let offered: Vec<&str> = R::FORMATS.iter().map(|f| f.as_str()).collect();
    bail!(
        "--format {} is not available for this command; use {}",
        format.as_str(),
        offered.join(" or ")
    )
}

/// Renders `report` in `format`.
pub(crate) fn render<R: Report>(report: &R, format: Format, style: Style) -> Result<String> {
    require::<R>(format)?;
    Ok(match format {
        Format::Text => report.text(style),
        Format::Json => json(report)?,
        Format::Markdown => report.markdown(),
        Format::Patch => report.patch(),
    })
}

/// Pretty JSON with a final newline.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Whether output may carry ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    /// Colours `text` by the kind of change it describes.
    pub(crate) fn kind(self, kind: Kind, text: &str) -> String {
        let code = match kind {
            Kind::Major | Kind::Removed | Kind::Downgrade => "31",
            Kind::Minor | Kind::Changed | Kind::Prerelease => "33",
            Kind::Patch | Kind::Added => "32",
            Kind::Unchanged => "2",
        };
        self.paint(code, text)
    }

    /// Bold, for headings.
    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Red, for findings.
    pub(crate) fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Text that cannot forge a line or reach the terminal: control characters (a quoted key may
/// hold any) are shown escaped, as `\u{1b}`.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// A table whose columns are padded to their widest cell; `paint` colours a cell after padding.
/// Cells are shown `printable`.
pub(crate) fn table<S: AsRef<str>>(
    header: &[&str],
    rows: &[Vec<S>],
    paint: impl Fn(usize, usize, String) -> String,
) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c.as_ref()).into_owned()).collect())
        .collect();
    let rows = rows.as_slice();
    let widths = widths(header, rows);
    let line = |cells: Vec<String>| cells.join("  ").trim_end().to_string();
    let pad = |i: usize, last: usize, cell: &str| match i == last {
        true => cell.to_string(),
        false => format!("{cell:<w$}", w = widths.get(i).copied().unwrap_or(0)),
    };
    let mut out = String::new();
    let last = header.len().saturating_sub(1);
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().enumerate().map(|(i, h)| pad(i, last, h)).collect())
    );
    for (r, row) in rows.iter().enumerate() {
        let last = row.len().saturating_sub(1);
        let cells = row
            .iter()
            .enumerate()
            .map(|(i, c)| paint(r, i, pad(i, last, c.as_ref())));
        let _ = writeln!(out, "{}", line(cells.collect()));
    }
    out
}

fn widths<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.as_ref().chars().count());
            }
        }
    }
    widths
}

/// A table with no colour.
pub(crate) fn plain_table<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> String {
    table(header, rows, |_, _, c| c)
}

/// The commit message pins prints for a person to commit with, each line indented under a
/// `commit message:` heading (empty lines stay empty).
pub(crate) fn commit_message_block(message: &str) -> String {
    let mut out = String::from("\ncommit message:\n");
    for line in message.lines() {
        match line {
            "" => out.push('\n'),
            l => out.push_str(&format!("  {l}\n")),
        }
    }
    out
}

/// A cell of a markdown table: code-formatted, with pipes and newlines escaped.
pub(crate) fn md_code(text: &str) -> String {
    if text.is_empty() {
        return "—".into();
    }
    let escaped = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let ticks = if escaped.contains('`') { "``" } else { "`" };
    format!("{ticks}{escaped}{ticks}")
}

/// A value on one line, strings unquoted, long values cut.
pub(crate) fn compact(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(59).collect::<String>())
    } else {
        one_line
    }
}

/// `1 pin` or `3 pins`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

/// A byte count for people: `20.0 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}
