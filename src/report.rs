//! The only place that formats output: aligned text tables with optional colour, JSON,
//! markdown and unified diffs.

use std::fmt::Write as _;

use crate::version::Kind;

/// Whether output may carry ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colours `text` by the kind of change it describes.
    pub fn kind(self, kind: Kind, text: &str) -> String {
        let code = match kind {
            Kind::Major | Kind::Removed | Kind::Downgrade => "31",
            Kind::Minor | Kind::Changed | Kind::Prerelease => "33",
            Kind::Patch | Kind::Added => "32",
            Kind::Unchanged => "2",
        };
        self.paint(code, text)
    }

    /// Bold, for headings.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Red, for findings.
    pub fn red(self, text: &str) -> String {
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

/// A table whose columns are padded to their widest cell; `paint` colours a cell after padding.
pub fn table<S: AsRef<str>>(
    header: &[&str],
    rows: &[Vec<S>],
    paint: impl Fn(usize, usize, String) -> String,
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.as_ref().chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let last = cells.len().saturating_sub(1);
        let padded: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c
                } else {
                    format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0))
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(header.iter().map(|h| h.to_string()).collect()));
    for (r, row) in rows.iter().enumerate() {
        let last = row.len().saturating_sub(1);
        let cells = row.iter().enumerate().map(|(i, c)| {
            let c = c.as_ref();
            let padded = if i == last {
                c.to_string()
            } else {
                format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0))
            };
            paint(r, i, padded)
        });
        let _ = writeln!(out, "{}", cells.collect::<Vec<_>>().join("  ").trim_end());
    }
    out
}

/// A cell of a markdown table: code-formatted, with pipes and newlines escaped.
pub fn md_code(text: &str) -> String {
    if text.is_empty() {
        return "—".into();
    }
    let escaped = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let ticks = if escaped.contains('`') { "``" } else { "`" };
    format!("{ticks}{escaped}{ticks}")
}

/// A unified diff of two texts with file headers.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// Pretty JSON with a final newline.
pub fn json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    text.push('\n');
    text
}
