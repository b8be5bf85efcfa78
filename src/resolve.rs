//! Effective values of an environment with Terraform's precedence: var-files in order, a later
//! file replaces a whole variable (maps are not merged), each value with its provenance.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use serde_json::Value as Json;

use crate::repo::{Environment, Repo};
use crate::tfvars::{Attribute, Node, Position, TfVars};

/// Where a value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub position: Position,
}

/// One pin: an artifact version, at top level or in a map of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The name shown to people: the key, or `variable.key` where two maps share a key.
    pub name: String,
    pub variable: String,
    pub key: Option<String>,
    pub version: String,
    pub origin: Origin,
}

impl Pin {
    /// The unambiguous identity of the pin: `variable` or `variable.key`.
    pub fn id(&self) -> String {
        match &self.key {
            Some(key) => format!("{}.{key}", self.variable),
            None => self.variable.clone(),
        }
    }
}

/// One environment-data variable with its effective value.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub name: String,
    pub value: Json,
    pub origin: Origin,
}

/// What Terraform would see for one environment.
#[derive(Debug, Clone)]
pub struct Effective {
    pub environment: Environment,
    pub pins: Vec<Pin>,
    pub data: Vec<Datum>,
    /// The parsed var-files, in Terraform's order.
    pub files: Vec<TfVars>,
}

impl Effective {
    /// The pin whose name or id is `name`.
    pub fn pin(&self, name: &str) -> Option<&Pin> {
        self.pins
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.pins.iter().find(|p| p.id() == name))
    }
}

/// Whether a pin file's attribute holds pins: a string, or a map whose values are all strings.
pub fn is_pin_value(node: &Node) -> bool {
    match node.entries() {
        Some(entries) => entries.iter().all(|e| e.value.as_str().is_some()),
        None => node.as_str().is_some(),
    }
}

/// Resolves the effective pins and data of `env`.
pub fn resolve(repo: &Repo, env: &Environment) -> Result<Effective> {
    let files = env
        .var_files()
        .into_iter()
        .map(|f| repo.load(f))
        .collect::<Result<Vec<_>>>()?;
    Ok(effective(env, files))
}

/// Computes effective values from already parsed var-files (the pin file first).
pub fn effective(env: &Environment, files: Vec<TfVars>) -> Effective {
    let refs: Vec<&TfVars> = files.iter().collect();
    let (pins, data) = values(&refs);
    Effective { environment: env.clone(), pins, data, files }
}

/// The effective pins and data of var-files given in Terraform's order (the pin file first).
pub fn values(files: &[&TfVars]) -> (Vec<Pin>, Vec<Datum>) {
    let winners = winners(files);
    let pin_variables: Vec<&str> = files[0]
        .iter()
        .filter(|a| is_pin_value(&a.value))
        .map(|a| a.name.as_str())
        .collect();
    let mut pins = Vec::new();
    for variable in &pin_variables {
        if let Some(&(file, attr)) = winners.get(variable) {
            collect_pins(files[file], attr, &mut pins);
        }
    }
    name_pins(&mut pins);
    let pin_set: HashSet<&str> = pin_variables.iter().copied().collect();
    let mut data: Vec<Datum> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        for attr in file.iter().filter(|a| !pin_set.contains(a.name.as_str())) {
            if winners
                .get(attr.name.as_str())
                .is_some_and(|w| std::ptr::eq(w.1, attr) && w.0 == i)
            {
                data.push(Datum {
                    name: attr.name.clone(),
                    value: attr.value.to_json(),
                    origin: origin(file, attr.name_span.start),
                });
            }
        }
    }
    data.sort_by(|a, b| a.name.cmp(&b.name));
    (pins, data)
}

/// For every variable, the file and attribute that set it last.
fn winners<'a>(files: &[&'a TfVars]) -> HashMap<&'a str, (usize, &'a Attribute)> {
    let mut winners = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        for attr in file.iter() {
            winners.insert(attr.name.as_str(), (i, attr));
        }
    }
    winners
}

fn collect_pins(file: &TfVars, attr: &Attribute, pins: &mut Vec<Pin>) {
    if let Some(version) = attr.value.as_str() {
        let origin = origin(file, attr.value.span.start);
        pins.push(Pin {
            name: String::new(),
            variable: attr.name.clone(),
            key: None,
            version: version.to_string(),
            origin,
        });
        return;
    }
    let Some(entries) = attr.value.entries() else { return };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for entry in entries {
        let Some(version) = entry.value.as_str() else { continue };
        let pin = Pin {
            name: String::new(),
            variable: attr.name.clone(),
            key: Some(entry.key.clone()),
            version: version.to_string(),
            origin: origin(file, entry.value.span.start),
        };
        // Terraform keeps the last of duplicate keys; keep the first one's place in the order.
        match seen.get(entry.key.as_str()) {
            Some(&i) => pins[i] = pin,
            None => {
                seen.insert(&entry.key, pins.len());
                pins.push(pin);
            }
        }
    }
}

/// Names each pin by its key, or `variable.key` where the key alone is ambiguous.
fn name_pins(pins: &mut [Pin]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for pin in pins.iter() {
        *counts
            .entry(pin.key.clone().unwrap_or_else(|| pin.variable.clone()))
            .or_default() += 1;
    }
    for pin in pins.iter_mut() {
        let short = pin.key.clone().unwrap_or_else(|| pin.variable.clone());
        pin.name = if counts[&short] > 1 { pin.id() } else { short };
    }
}

fn origin(file: &TfVars, offset: usize) -> Origin {
    Origin {
        file: file.file().to_string(),
        position: file.position(offset),
    }
}

/// The pins written in one pin file, ignoring other files.
pub fn file_pins(vars: &TfVars) -> Vec<Pin> {
    let mut pins = Vec::new();
    for attr in vars.iter().filter(|a| is_pin_value(&a.value)) {
        collect_pins(vars, attr, &mut pins);
    }
    name_pins(&mut pins);
    pins
}

/// The node holding `pin`'s version in `vars`: the attribute, or the last entry with its key
/// (the one Terraform uses).
pub fn locate<'a>(vars: &'a TfVars, pin: &Pin) -> Option<&'a Node> {
    let attr = vars.get(&pin.variable)?;
    match &pin.key {
        None => Some(&attr.value),
        Some(key) => attr
            .value
            .entries()?
            .iter()
            .rev()
            .find(|e| &e.key == key)
            .map(|e| &e.value),
    }
}
