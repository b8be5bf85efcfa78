//! `pins check`: every rule of the repository in one pass, each finding with its place, what is
//! wrong and what to do.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::artifacts::locate;
use crate::config::CONFIG_FILE;
use crate::repo::{Environment, Repo};
use crate::resolve::{file_pins, is_pin_value, values, Effective, Pin};
use crate::tfvars::{Node, Position, Str, TfVars, Value};
use crate::version;

/// One violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    pub file: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub rule: &'static str,
    pub message: String,
    pub help: String,
}

impl Finding {
    fn at(
        file: &str,
        position: Option<Position>,
        rule: &'static str,
        message: String,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            file: file.to_string(),
            line: position.map(|p| p.line as usize),
            col: position.map(|p| p.col as usize),
            rule,
            message,
            help: help.into(),
        }
    }

    /// `file:line:col` (or just the file).
    pub(crate) fn place(&self) -> String {
        match (self.line, self.col) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            _ => self.file.clone(),
        }
    }
}

/// The result of checking a repository.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub pins: usize,
}

/// Checks the whole repository.
pub(crate) fn check(repo: &Repo) -> Report {
    let mut report = Report::default();
    let auto = match repo.auto_files() {
        Ok(auto) => auto,
        Err(e) => {
            let message = crate::error_chain(&e);
            let help = "make the module folder's auto-loaded files readable regular files";
            report
                .findings
                .push(Finding::at(repo.module_dir(), None, "unreadable", message, help));
            Vec::new()
        }
    };
    let files = load_all(repo, &auto, &mut report);
    module_dir(repo, &mut report.findings);
    backend_files(repo, &mut report.findings);
    let mut pin_files: Vec<&str> = repo.environments().iter().map(|e| e.pin_file.as_str()).collect();
    pin_files.sort_unstable();
    pin_files.dedup();
    for pin_file in &pin_files {
        if let Some(vars) = files.get(*pin_file) {
            check_pin_file(repo, vars, &mut report);
        }
    }
    for vars in files.values() {
        duplicate_keys(vars, &mut report.findings);
    }
    for env in repo.environments() {
        shadowing(env, &files, &mut report.findings);
    }
    let auto: Vec<&TfVars> = auto.iter().filter_map(|f| files.get(f)).collect();
    auto_loaded_pins(&auto, &pin_files, &files, &mut report.findings);
    parity(repo, &files, &mut report.findings);
    order(repo, &auto, &files, &mut report.findings);
    artifact_locations(repo, &auto, &files, &mut report.findings);
    holds(repo, &files, &mut report.findings);
    promotion_rules(repo, &mut report.findings);
    report
}

/// Every hold names a pin of its environment's pin file, at the held version.
fn holds(repo: &Repo, files: &BTreeMap<String, TfVars>, findings: &mut Vec<Finding>) {
    for (hold, message) in crate::holds::guard::lint(repo, files) {
        let help = format!(
            "set it back to {} (`pins rollback`), or change the hold: pins unhold {} --env {}",
            hold.version, hold.pin, hold.environment
        );
        findings.push(Finding::at(CONFIG_FILE, Some(hold.position), "hold", message, help));
    }
}

/// The configured module folder exists: Terraform runs there, and its auto-loaded files count.
fn module_dir(repo: &Repo, findings: &mut Vec<Finding>) {
    if repo.module_dir_exists() {
        return;
    }
    let text = repo.read(CONFIG_FILE).ok().flatten().unwrap_or_default();
    let at = crate::config::Config::position_of(&String::from_utf8_lossy(&text), "module_dir");
    let message = format!("module_dir `{}` is not a folder of the repository", repo.module_dir());
    let help = "set module_dir in pins.hcl to the folder where Terraform runs (the root module)";
    findings.push(Finding::at(CONFIG_FILE, at, "missing-file", message, help));
}

/// Every promotion rule can be satisfied (a window without days never opens).
fn promotion_rules(repo: &Repo, findings: &mut Vec<Finding>) {
    let text = repo.read(CONFIG_FILE).ok().flatten().unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    for u in crate::policy::unsatisfiable(repo.promotions()) {
        let position = crate::config::Config::entry_position(&text, &u.path);
        findings.push(Finding::at(
            CONFIG_FILE,
            position,
            "promotion-policy",
            u.message,
            u.help,
        ));
    }
}

/// Every configured backend file exists (`backend_file = false` configures none).
fn backend_files(repo: &Repo, findings: &mut Vec<Finding>) {
    for env in repo.environments() {
        let Some(backend) = &env.backend_file else { continue };
        if !matches!(repo.read(backend), Ok(Some(_))) {
            let message = format!("backend file {backend} of environment `{}` does not exist", env.name);
            let help = "create it, set backend_file in pins.hcl, or backend_file = false for none";
            findings.push(Finding::at(backend, None, "missing-file", message, help));
        }
    }
}

/// A pin in a file Terraform loads by itself reaches every environment without promotion: a
/// variable some pin file sets, or a version (or map of versions) in an auto-loaded file.
fn auto_loaded_pins(
    auto: &[&TfVars],
    pin_files: &[&str],
    files: &BTreeMap<String, TfVars>,
    findings: &mut Vec<Finding>,
) {
    let pin_variable = |name: &str| {
        pin_files
            .iter()
            .filter_map(|f| files.get(*f))
            .any(|v| v.get(name).is_some_and(|a| is_pin_value(&a.value)))
    };
    for vars in auto {
        for attr in vars.iter() {
            if !pin_variable(&attr.name) && !looks_like_versions(&attr.value) {
                continue;
            }
            let message = format!(
                "{} sets pin `{}`, and Terraform loads this file for every environment: the pin would skip promotion",
                vars.file(),
                attr.name
            );
            let help = "move it to the environments' pin files (development.tfvars, shared-release.tfvars)";
            let at = Some(vars.position(attr.name_span.start()));
            findings.push(Finding::at(vars.file(), at, "auto-loaded-pin", message, help));
        }
    }
}

/// A semantic version, or a non-empty map of them.
fn looks_like_versions(node: &Node) -> bool {
    let version = |n: &Node| n.as_str().is_some_and(|s| version::parse(s).is_ok());
    match node.entries() {
        Some(entries) => !entries.is_empty() && entries.iter().all(|e| version(&e.value)),
        None => version(node),
    }
}

/// Every environment can fill the artifact location of every pin it has (pins.hcl `artifacts`),
/// and every `pin "…"` block names a pin that exists somewhere.
fn artifact_locations(repo: &Repo, auto: &[&TfVars], files: &BTreeMap<String, TfVars>, findings: &mut Vec<Finding>) {
    let Some(settings) = repo.artifacts() else { return };
    let mut unknown: Option<Vec<String>> = None;
    let mut known: Vec<String> = Vec::new();
    for env in repo.environments() {
        let Some(vars) = env
            .var_files()
            .into_iter()
            .map(|f| files.get(f))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let (pins, data) = values(auto, &vars);
        let effective = Effective {
            environment: env.clone(),
            pins,
            data,
            files: Vec::new(),
            auto_files: Vec::new(),
        };
        if let Err(e) = locate(settings, repo.root(), &effective.pins, &effective) {
            findings.push(Finding::at(
                CONFIG_FILE,
                None,
                "artifact-location",
                crate::error_chain(&e).trim_start_matches("pins.hcl: ").to_string(),
                format!(
                    "define the variable in {}'s data file, or fix the template in pins.hcl",
                    env.name
                ),
            ));
        }
        let here = settings.unknown_pins(|k| effective.pins.iter().any(|p| *p.name == *k || p.id() == k));
        known.extend(effective.pins.iter().map(|p| p.name.to_string()));
        unknown = Some(match unknown {
            None => here,
            Some(before) => before.into_iter().filter(|u| here.contains(u)).collect(),
        });
    }
    known.sort_unstable();
    known.dedup();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for name in unknown.unwrap_or_default() {
        findings.push(Finding::at(
            CONFIG_FILE,
            None,
            "artifact-location",
            format!(
                "artifacts pin \"{name}\" names no pin of any environment{}",
                crate::repo::suggest(&name, &known)
            ),
            "fix the pin name, or remove the block",
        ));
    }
}

fn load_all(repo: &Repo, auto: &[String], report: &mut Report) -> BTreeMap<String, TfVars> {
    let mut files = BTreeMap::new();
    let mut names: Vec<&str> = repo.environments().iter().flat_map(|e| e.var_files()).collect();
    names.extend(auto.iter().map(String::as_str));
    names.sort_unstable();
    names.dedup();
    for name in names {
        report.files += 1;
        match repo.read(name) {
            Ok(Some(bytes)) => match TfVars::parse(name, bytes) {
                Ok(vars) => {
                    files.insert(name.to_string(), vars);
                }
                Err(e) => report.findings.push(Finding::at(
                    name,
                    Some(e.position),
                    "parse",
                    e.message,
                    "fix the syntax; Terraform would reject this file too",
                )),
            },
            Ok(None) => report.findings.push(Finding::at(
                name,
                None,
                "missing-file",
                format!("{name} does not exist"),
                "create it, or fix the environment's files in pins.hcl",
            )),
            Err(e) => report.findings.push(Finding::at(
                name,
                None,
                "unreadable",
                format!("{e:#}"),
                "make it a readable regular file inside the repository",
            )),
        }
    }
    files
}

fn check_pin_file(repo: &Repo, vars: &TfVars, report: &mut Report) {
    let shared = repo.sharing(vars.file()).len() > 1;
    let policy = repo.policy();
    for attr in vars.iter().filter(|a| !is_pin_value(&a.value)) {
        let message = format!(
            "`{}` is {}, not a version or a map of versions; a pin file holds only pins",
            attr.name,
            attr.value.kind()
        );
        let help = "move it to the environments' data files (data.d/<env>.tfvars)";
        report.findings.push(Finding::at(
            vars.file(),
            Some(vars.position(attr.name_span.start())),
            "data-in-pin-file",
            message,
            help,
        ));
    }
    for pin in file_pins(vars) {
        report.pins += 1;
        let at = Some(pin.origin.position);
        if let Err(why) = version::validate(&pin.version, policy) {
            let message = format!("{} = \"{}\" {why}", pin.name, pin.version.escape_debug());
            report.findings.push(Finding::at(
                vars.file(),
                at,
                "invalid-version",
                message,
                "set a semantic version (or allow opaque versions in pins.hcl policy)",
            ));
        } else if shared && !policy.allow_prerelease && version::is_prerelease(&pin.version) {
            let message = format!(
                "{} = \"{}\" is a pre-release in {}, which several environments share",
                pin.name,
                pin.version,
                vars.file()
            );
            report.findings.push(Finding::at(
                vars.file(),
                at,
                "prerelease-in-shared",
                message,
                "promote a release version, or set policy { allow_prerelease = true } in pins.hcl",
            ));
        }
    }
}

/// Keys repeated inside one object: Terraform silently keeps the last.
fn duplicate_keys(vars: &TfVars, findings: &mut Vec<Finding>) {
    for attr in vars.iter() {
        walk_duplicates(vars, &attr.name, &attr.value, findings);
    }
}

fn walk_duplicates(vars: &TfVars, path: &str, node: &Node, findings: &mut Vec<Finding>) {
    match &node.value {
        Value::Object(entries) => {
            let mut seen: HashMap<&str, Position> = HashMap::new();
            for entry in entries {
                let here = vars.position(entry.key_span.start());
                if let Some(first) = seen.insert(&entry.key, here) {
                    let message = format!(
                        "`{path}` sets key `{}` twice (first at line {}){}; Terraform silently keeps only this last one",
                        entry.key,
                        first.line,
                        spelling_note(vars, entries, entry)
                    );
                    findings.push(Finding::at(
                        vars.file(),
                        Some(here),
                        "duplicate-key",
                        message,
                        "delete the entry that should not count",
                    ));
                }
                walk_duplicates(vars, &format!("{path}.{}", entry.key), &entry.value, findings);
            }
        }
        Value::Tuple(items) => items.iter().for_each(|i| walk_duplicates(vars, path, i, findings)),
        _ => {}
    }
}

/// Says so when two equal keys are spelled with different bytes (Terraform normalises keys to NFC).
fn spelling_note(vars: &TfVars, entries: &[crate::tfvars::Entry], entry: &crate::tfvars::Entry) -> &'static str {
    let raw = |e: &crate::tfvars::Entry| {
        vars.text()
            .get(e.key_span.start()..e.key_span.end())
            .map(|t| t.trim_matches('"'))
    };
    let differs = entries.iter().any(|e| e.key == entry.key && raw(e) != raw(entry));
    if differs {
        ", spelled with different Unicode bytes that Terraform normalises (NFC) to the same key"
    } else {
        ""
    }
}

/// A data file that sets a variable of its environment's pin file wins silently in Terraform.
fn shadowing(env: &Environment, files: &BTreeMap<String, TfVars>, findings: &mut Vec<Finding>) {
    let Some(pins) = files.get(&env.pin_file) else { return };
    for data in &env.data_files {
        let Some(vars) = files.get(data) else { continue };
        for attr in vars.iter().filter(|a| pins.get(&a.name).is_some()) {
            let message = format!(
                "{data} sets `{}`, which {} also sets: Terraform lets the data file win, so {} would not deploy the pinned version",
                attr.name, env.pin_file, env.name
            );
            let help = format!(
                "remove `{}` from {data}; versions belong in {}",
                attr.name, env.pin_file
            );
            findings.push(Finding::at(
                data,
                Some(vars.position(attr.name_span.start())),
                "shadowed-pin",
                message,
                help,
            ));
        }
    }
}

/// Environments that share a pin file must define the same data variables.
fn parity(repo: &Repo, files: &BTreeMap<String, TfVars>, findings: &mut Vec<Finding>) {
    let envs = repo.environments();
    let mut reported: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for a in envs {
        for b in envs.iter().filter(|b| b.pin_file == a.pin_file && b.name != a.name) {
            let (Some(va), Some(vb)) = (data_vars(a, files), data_vars(b, files)) else {
                continue;
            };
            for (name, (file, pos)) in &vb {
                if va.contains_key(name) || !reported.insert((a.name.clone(), name.to_string())) {
                    continue;
                }
                let first = a.data_files.first().map_or(a.pin_file.as_str(), String::as_str);
                let message = format!("{} does not set `{name}`, which {} sets at {file}:{}; environments sharing {} must define the same data", a.name, b.name, pos.line, a.pin_file);
                findings.push(Finding::at(
                    first,
                    None,
                    "parity",
                    message,
                    format!("add `{name}` to {first} (or remove it from {file})"),
                ));
            }
        }
    }
}

fn data_vars(env: &Environment, files: &BTreeMap<String, TfVars>) -> Option<HashMap<Str, (String, Position)>> {
    let mut out = HashMap::new();
    for data in &env.data_files {
        let vars = files.get(data)?;
        for attr in vars.iter() {
            out.insert(attr.name.clone(), (data.clone(), vars.position(attr.name_span.start())));
        }
    }
    Some(out)
}

/// A later environment must not run a newer version than an earlier one has.
fn order(repo: &Repo, auto: &[&TfVars], files: &BTreeMap<String, TfVars>, findings: &mut Vec<Finding>) {
    let pins: Vec<(&str, Vec<Pin>)> = repo
        .environments()
        .iter()
        .filter_map(|env| {
            let parsed: Option<Vec<&TfVars>> = env.var_files().iter().map(|f| files.get(*f)).collect();
            Some((env.name.as_str(), values(auto, &parsed?).0))
        })
        .collect();
    type Index<'a> = HashMap<(&'a str, Option<&'a str>), &'a Pin>;
    let resolved: Vec<(&str, Index)> = pins
        .iter()
        .map(|(env, pins)| (*env, pins.iter().map(|p| (p.id_parts(), p)).collect()))
        .collect();
    // One finding per place and earlier environment: environments sharing a pin file would
    // otherwise report the same line twice.
    // (file, place, earlier environment) → (the pin, the earlier pin, the later environments)
    type Ahead<'a> = BTreeMap<(&'a str, Position, &'a str), (&'a Pin, &'a Pin, Vec<&'a str>)>;
    let mut ahead: Ahead = BTreeMap::new();
    for (j, (later, later_pins)) in resolved.iter().enumerate() {
        for (earlier, earlier_pins) in resolved.iter().take(j) {
            for (id, pin) in later_pins {
                let Some(before) = earlier_pins.get(id) else { continue };
                if version::is_downgrade(&pin.version, &before.version) {
                    let key = (&*pin.origin.file, pin.origin.position, *earlier);
                    ahead.entry(key).or_insert((pin, before, Vec::new())).2.push(later);
                }
            }
        }
    }
    for ((file, position, earlier), (pin, before, later)) in ahead {
        let message = format!(
            "{} is {} in {} but only {} in {earlier}, which comes earlier in the promotion order",
            pin.name,
            pin.version,
            later.join(" and "),
            before.version
        );
        let help = format!(
            "bump {} in {earlier} first (pins bump {} {} --env {earlier}), then promote",
            pin.name, pin.name, pin.version
        );
        findings.push(Finding::at(file, Some(position), "order", message, help));
    }
}
