//! The report of `pins show`: an environment's effective pins (and data) with their provenance.
//! It borrows the resolved values, so a 100k-pin environment is serialized without a copy.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::{compact, plain_table, Report, Style};
use crate::resolve::{Datum, Effective, Pin};

/// `--format json` of `show`.
#[derive(Serialize)]
pub(crate) struct ShowReport<'a> {
    environment: &'a str,
    pins: Pins<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Data<'a>>,
    #[serde(skip)]
    effective: &'a Effective,
    #[serde(skip)]
    revision: Option<&'a str>,
}

impl<'a> ShowReport<'a> {
    /// The pins of `effective` (read at `revision`), and its data when `data`.
    pub(crate) fn new(effective: &'a Effective, revision: Option<&'a str>, data: bool) -> Self {
        ShowReport {
            environment: &effective.environment.name,
            pins: Pins(&effective.pins),
            data: data.then_some(Data(&effective.data)),
            effective,
            revision,
        }
    }
}

struct Pins<'a>(&'a [Pin]);

#[derive(Serialize)]
struct PinEntry<'a> {
    version: &'a str,
    variable: &'a str,
    file: &'a str,
    line: u32,
}

impl Serialize for Pins<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for p in self.0 {
            let entry = PinEntry {
                version: &p.version,
                variable: &p.variable,
                file: &p.origin.file,
                line: p.origin.position.line,
            };
            map.serialize_entry(&*p.name, &entry)?;
        }
        map.end()
    }
}

struct Data<'a>(&'a [Datum]);

#[derive(Serialize)]
struct DataEntry<'a> {
    value: &'a serde_json::Value,
    file: &'a str,
    line: u32,
}

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for d in self.0 {
            let entry = DataEntry {
                value: &d.value,
                file: &d.origin.file,
                line: d.origin.position.line,
            };
            map.serialize_entry(&*d.name, &entry)?;
        }
        map.end()
    }
}

impl Report for ShowReport<'_> {
    fn text(&self, style: Style) -> String {
        let env = &self.effective.environment;
        let at = self.revision.map(|r| format!(" at {r}")).unwrap_or_default();
        let mut out = format!("{}{at}: {}\n\n", style.bold(&env.name), env.var_files().join(" + "));
        if self.effective.pins.is_empty() {
            out.push_str("no pins\n");
        } else {
            let rows: Vec<Vec<String>> = self
                .effective
                .pins
                .iter()
                .map(|p| {
                    vec![
                        p.name.to_string(),
                        p.version.to_string(),
                        format!("{}:{}", p.origin.file, p.origin.position.line),
                    ]
                })
                .collect();
            out.push_str(&plain_table(&["PIN", "VERSION", "FROM"], &rows));
        }
        if self.data.is_some() {
            let rows: Vec<Vec<String>> = self
                .effective
                .data
                .iter()
                .map(|d| {
                    vec![
                        d.name.to_string(),
                        compact(&d.value),
                        format!("{}:{}", d.origin.file, d.origin.position.line),
                    ]
                })
                .collect();
            out.push('\n');
            out.push_str(&plain_table(&["DATA", "VALUE", "FROM"], &rows));
        }
        out
    }
}
