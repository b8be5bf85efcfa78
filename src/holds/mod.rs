//! Holds: `hold "PIN" "ENV" { version = …  reason = …  since = … }` blocks of `pins.hcl`. A held
//! pin keeps its held version in ENV: `promote` (also `--auto`) skips it, `bump` refuses it,
//! `verify` fails when ENV's value differs from it; only `rollback` may set it. Reading here gives
//! each hold its `pins.hcl:line:col`; [`text`] adds and removes the blocks byte-exactly.

pub(crate) mod edit;
pub(crate) mod guard;
pub(crate) mod text;

use std::ops::Range;

use anyhow::Result;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Attribute, Block, Structure};
use serde::Serialize;

use crate::config::{error_at, without_bom, CONFIG_FILE};
use crate::repo::Environment;
use crate::resolve::Pin;
use crate::tfvars::Position;

/// One hold, as `pins.hcl` declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Hold {
    pub pin: String,
    pub environment: String,
    /// The version the pin keeps in the environment.
    pub version: String,
    pub reason: String,
    /// When the hold was placed (RFC 3339), if the block says.
    pub since: Option<String>,
    /// `pins.hcl:LINE:COL` of the block.
    pub at: String,
    #[serde(skip)]
    pub span: Range<usize>,
    /// The line and column of the block.
    #[serde(skip)]
    pub position: Position,
}

impl Hold {
    /// Whether this hold names `pin`, by its name or its `variable.key` id.
    pub(crate) fn names(&self, pin: &Pin) -> bool {
        self.names_id(&pin.name, &pin.id())
    }

    /// Whether this hold names the pin called `name` with id `id` (`variable` or
    /// `variable.key`): by its name, its id or its key, however the command spelled it.
    pub(crate) fn names_id(&self, name: &str, id: &str) -> bool {
        let key = id.split_once('.').map(|(_, key)| key);
        name == self.pin || id == self.pin || key == Some(self.pin.as_str())
    }

    /// `lambda-x is held in production at 1.4.2 since … (pins.hcl:9:1): "reason"`.
    pub(crate) fn describe(&self) -> String {
        let since = self.since.as_deref().map(|s| format!(" since {s}")).unwrap_or_default();
        format!(
            "{} is held in {} at {}{since} ({}): {:?}",
            self.pin, self.environment, self.version, self.at, self.reason
        )
    }
}

/// Reads every `hold` block of `text` (the whole of `pins.hcl`), checking it against the
/// environments. A syntax error is left to the configuration reader, which reports it first.
pub(crate) fn read(text: &str, envs: &[Environment]) -> Result<Vec<Hold>> {
    let text = without_bom(text);
    let Ok(body) = hcl::edit::parser::parse_body(text) else {
        return Ok(Vec::new());
    };
    let blocks = body.iter().filter_map(Structure::as_block);
    blocks
        .filter(|b| b.ident.as_str() == "hold")
        .map(|b| hold(text, b, envs))
        .collect()
}

fn span_of(item: &impl hcl::edit::Span) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

/// An error at `span` of pins.hcl.
fn at(text: &str, span: &Range<usize>, message: &str) -> anyhow::Error {
    error_at(text, span.start, message).into()
}

fn hold(text: &str, block: &Block, envs: &[Environment]) -> Result<Hold> {
    let span = span_of(&block.ident);
    let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
    let [pin, env] = labels.as_slice() else {
        let why = "a hold takes two labels, the pin and the environment: hold \"lambda-x\" \"production\" { … }";
        return Err(at(text, &span, why));
    };
    let env_span = block.labels.get(1).map_or(span.clone(), span_of);
    if !envs.iter().any(|e| e.name == *env) {
        let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        let why = format!(
            "hold on unknown environment `{}`; environments are: {}",
            env.escape_debug(),
            names.join(", ")
        );
        return Err(at(text, &env_span, &why));
    }
    let fields = fields(text, block)?;
    let need = |value: Option<String>, name: &str| {
        value.ok_or_else(|| {
            let why = format!("hold \"{pin}\" \"{env}\" needs `{name}`");
            at(text, &span, &why)
        })
    };
    Ok(Hold {
        pin: pin.to_string(),
        environment: env.to_string(),
        version: need(fields.version, "version")?,
        reason: need(fields.reason, "reason")?,
        since: fields.since,
        at: at_text(text, span.start),
        position: error_at(text, span.start, "").position,
        span: span_of(block),
    })
}

/// `pins.hcl:LINE:COL` of byte `offset`.
fn at_text(text: &str, offset: usize) -> String {
    let e = error_at(text, offset, "");
    format!("{CONFIG_FILE}:{}", e.position)
}

#[derive(Default)]
struct Fields {
    version: Option<String>,
    reason: Option<String>,
    since: Option<String>,
}

/// The attributes of a hold: quoted strings, `version` and `reason` not empty, `since` a time.
fn fields(text: &str, block: &Block) -> Result<Fields> {
    let mut out = Fields::default();
    for structure in block.body.iter() {
        let attr = match structure {
            Structure::Attribute(attr) => attr,
            Structure::Block(inner) => {
                let why = "a hold holds attributes only: version, reason and since";
                return Err(at(text, &span_of(&inner.ident), why));
            }
        };
        let value = string(text, attr)?;
        let value_span = span_of(&attr.value);
        let slot = match attr.key.as_str() {
            "version" => &mut out.version,
            "reason" => &mut out.reason,
            "since" => &mut out.since,
            other => {
                let why = format!(
                    "`{}` is not a field of a hold; it takes version, reason and since",
                    other.escape_debug()
                );
                return Err(at(text, &span_of(&attr.key), &why));
            }
        };
        check_field(text, attr.key.as_str(), &value, &value_span)?;
        *slot = Some(value);
    }
    Ok(out)
}

fn string(text: &str, attr: &Attribute) -> Result<String> {
    match &attr.value {
        Expression::String(s) => Ok(s.value().to_string()),
        other => {
            let why = format!("`{}` of a hold must be a quoted string", attr.key.as_str());
            Err(at(text, &span_of(other), &why))
        }
    }
}

fn check_field(text: &str, key: &str, value: &str, span: &Range<usize>) -> Result<()> {
    let why = match key {
        "reason" if value.trim().is_empty() => "`reason` is empty; say why the pin is held",
        "version" if value.trim().is_empty() => "`version` is empty; a hold keeps one version",
        "since" if humantime::parse_rfc3339_weak(value).is_err() => {
            "`since` is not an RFC 3339 time such as 2026-11-27T18:00:00Z"
        }
        _ => return Ok(()),
    };
    Err(at(text, span, why))
}
