//! The report of `pins outdated ENV`: per pin, its version, the newest version its store holds
//! that its constraint allows, the newest one at all, and how far behind the pin is.

use serde::Serialize;

use super::{count, md_code, table, Format, Report, Style};
use crate::artifacts::discovery::Discovered;
use crate::version::is_newer;
use crate::version::Kind;

/// Where a pin stands against its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Standing {
    /// A newer allowed version exists.
    Behind,
    /// The pin is at the newest allowed version.
    Current,
    /// The pin is newer than every allowed version in the store.
    Ahead,
    /// The store holds no allowed version.
    None,
}

impl Standing {
    fn words(self) -> &'static str {
        match self {
            Standing::Behind => "behind",
            Standing::Current => "up to date",
            Standing::Ahead => "ahead of the store",
            Standing::None => "no versions found",
        }
    }
}

/// One pin's row.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutdatedRow {
    pub pin: String,
    pub variable: String,
    pub current: String,
    /// The newest version the constraint allows.
    pub latest: Option<String>,
    /// The newest version, constraint or not.
    pub newest: Option<String>,
    /// `patch`, `minor`, `major` or `prerelease` when behind.
    pub kind: Option<Kind>,
    pub status: Standing,
    pub constraint: Option<String>,
    /// The location listed, `${version}` open.
    pub location: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl From<&Discovered> for OutdatedRow {
    fn from(d: &Discovered) -> Self {
        let latest = d.latest.as_ref().map(|c| c.version.clone());
        let status = match &latest {
            None => Standing::None,
            Some(_) if d.behind() => Standing::Behind,
            Some(l) if is_newer(&d.pin.version, l) => Standing::Ahead,
            Some(_) => Standing::Current,
        };
        OutdatedRow {
            pin: d.pin.name.to_string(),
            variable: d.pin.variable.to_string(),
            current: d.pin.version.to_string(),
            latest,
            newest: d.newest.as_ref().map(|c| c.version.clone()),
            kind: d.kind(),
            status,
            constraint: d.constraint.clone(),
            location: d.pattern.clone(),
            file: d.pin.origin.file.to_string(),
            line: d.pin.origin.position.line,
            column: d.pin.origin.position.col,
        }
    }
}

/// `--format json` of `outdated ENV`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OutdatedReport {
    pub environment: String,
    pub pins: Vec<OutdatedRow>,
    /// How many pins are behind.
    pub behind: usize,
}

impl OutdatedReport {
    /// The report of `environment` from what discovery found.
    pub(crate) fn new(environment: &str, found: &[Discovered]) -> OutdatedReport {
        let pins: Vec<OutdatedRow> = found.iter().map(OutdatedRow::from).collect();
        OutdatedReport {
            environment: environment.to_string(),
            behind: pins.iter().filter(|p| p.status == Standing::Behind).count(),
            pins,
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} of {} behind in {}",
            self.behind,
            count(self.pins.len(), "pin"),
            self.environment
        )
    }

    /// PIN, CURRENT, LATEST, NEWEST, KIND (or the standing), CONSTRAINT.
    fn rows(&self) -> Vec<[String; 6]> {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        self.pins
            .iter()
            .map(|p| {
                let kind = p.kind.map_or(p.status.words(), Kind::as_str);
                [
                    p.pin.clone(),
                    p.current.clone(),
                    dash(&p.latest),
                    dash(&p.newest),
                    kind.to_string(),
                    dash(&p.constraint),
                ]
            })
            .collect()
    }

    fn notes(&self) -> Vec<String> {
        let none = self.pins.iter().filter(|p| p.status == Standing::None);
        none.map(|p| format!("note: no version of {} found at {}", p.pin, p.location))
            .collect()
    }
}

const HEADER: [&str; 6] = ["PIN", "CURRENT", "LATEST", "NEWEST", "KIND", "CONSTRAINT"];

impl Report for OutdatedReport {
    const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown];

    fn text(&self, style: Style) -> String {
        let mut out = format!("{}\n", style.bold(&self.summary()));
        if self.pins.is_empty() {
            return out;
        }
        out.push('\n');
        let rows: Vec<Vec<String>> = self.rows().into_iter().map(Vec::from).collect();
        let kinds: Vec<Option<Kind>> = self.pins.iter().map(|p| p.kind).collect();
        out.push_str(&table(&HEADER, &rows, |r, c, cell| match kinds.get(r) {
            Some(Some(kind)) if c == 4 => style.kind(*kind, &cell),
            _ => cell,
        }));
        for note in self.notes() {
            out.push_str(&format!("{note}\n"));
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("### pins: outdated pins of {}\n\n", md_code(&self.environment));
        if !self.pins.is_empty() {
            out.push_str(
                "| Pin | Current | Latest allowed | Newest | Kind | Constraint |\n|---|---|---|---|---|---|\n",
            );
            for [pin, current, latest, newest, kind, constraint] in self.rows() {
                let code = |v: &str| if v == "—" { v.to_string() } else { md_code(v) };
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {kind} | {} |\n",
                    md_code(&pin),
                    md_code(&current),
                    code(&latest),
                    code(&newest),
                    code(&constraint)
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!("**{}**\n", self.summary()));
        for note in self.notes() {
            out.push_str(&format!("\n{}\n", note.replacen("note: ", "Note: ", 1)));
        }
        out
    }
}
