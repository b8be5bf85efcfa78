//! JSON var files (`*.tfvars.json`, in fact any var-file whose name ends in `.json`), read as
//! Terraform reads them: HCL's JSON syntax evaluated without a context, so the file is one object
//! whose properties are the variables, strings are literal (`"${x}"` is those five characters),
//! numbers are 512-bit decimals, a top-level `"//"` property is a comment, and duplicate keys are
//! errors. Values land in the same model as `.tfvars` files, with the byte span of every key and
//! value, so every command reads them and `splice` edits them byte-exactly.

mod read;
pub mod splice;

pub use read::{Member, Root};

use crate::tfvars::{Attribute, Node, Str, Value};

/// Whether Terraform reads the var-file `file` as JSON: it goes by the name's `.json` suffix.
pub fn is_json(file: &str) -> bool {
    file.ends_with(".json")
}

/// The variables of a JSON var file and its top-level shape, or an error at a byte offset.
pub(super) fn parse(text: &str) -> Result<(Vec<Attribute>, Root), (usize, String)> {
    let parsed = read::parse(text)?;
    let mut attributes = Vec::with_capacity(parsed.properties.len());
    for (name, name_span, value) in parsed.properties {
        if &*name == "//" {
            continue;
        }
        if !is_variable_name(&name) {
            return Err((name_span.start(), format!(
                "`{}` is not a valid variable name; Terraform ignores such a property (with a warning), but pins refuses it",
                name.escape_debug()
            )));
        }
        if &*name == "variable" {
            if let Some(at) = declaration(&value) {
                return Err((at, "this looks like a variable declaration (`variable` holding an object of objects); Terraform refuses one in a var-file (\"Variable declaration in .tfvars file\")".into()));
            }
        }
        attributes.push(Attribute { name, name_span, value });
    }
    Ok((attributes, parsed.root))
}

/// An HCL identifier, the only names a variable can have.
fn is_variable_name(name: &Str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Where a top-level `variable` property reads as a `variable "NAME" { … }` block: before it
/// reads var-files, Terraform probes for that mistake, and HCL's JSON syntax takes `variable` as
/// a block when it holds (an array of) objects whose properties are an object or a non-empty
/// array.
fn declaration(value: &Node) -> Option<usize> {
    let objects: Vec<&Node> = match &value.value {
        Value::Tuple(items) => items.iter().collect(),
        _ => vec![value],
    };
    objects
        .into_iter()
        .flat_map(|o| o.entries().unwrap_or_default())
        .find(|e| match &e.value.value {
            Value::Object(_) => true,
            Value::Tuple(items) => !items.is_empty(),
            _ => false,
        })
        .map(|e| e.key_span.start())
}

#[cfg(test)]
mod tests;
