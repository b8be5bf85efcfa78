//! Location templates: literal text with `${name}` or `${name.key}` interpolations, as in HCL.
//! `$${` is a literal `${`; `%{` directives are refused (a location has no use for them).

use anyhow::{bail, Result};

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// A variable path (`artifact_bucket`, `buckets.code`) and its column in the template.
    Variable {
        path: Vec<String>,
        col: usize,
    },
}

/// What a variable looked up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    Found(String),
    /// Not defined at all.
    Missing,
    /// Defined, but not something that can be written into a location (a map, a list, null).
    NotScalar(&'static str),
}

impl Template {
    /// Parses `text`; `what` names the template in errors (`artifacts location`).
    pub(crate) fn parse(what: &str, text: &str) -> Result<Template> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let col = |rest: &str| text.len() - rest.len() + 1;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("$${") {
                literal.push_str("${");
                rest = after;
            } else if let Some(after) = rest.strip_prefix("%%{") {
                literal.push_str("%{");
                rest = after;
            } else if rest.starts_with("%{") {
                bail!(
                    "pins.hcl: {what} `{text}` column {}: template directives (`%{{…}}`) are not supported in a location",
                    col(rest)
                );
            } else if let Some(after) = rest.strip_prefix("${") {
                let start = col(rest);
                let Some(end) = after.find('}') else {
                    bail!("pins.hcl: {what} `{text}` column {start}: `${{` is not closed with `}}`");
                };
                let inner = after.get(..end).unwrap_or_default().trim();
                let path: Vec<String> = inner.split('.').map(str::to_string).collect();
                if path.iter().any(|p| !is_identifier(p)) {
                    bail!("pins.hcl: {what} `{text}` column {start}: `${{{inner}}}` is not a variable name (letters, digits, `_`, `-`, and `.` between names)");
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Variable { path, col: start });
                rest = after.get(end + 1..).unwrap_or_default();
            } else {
                literal.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if text.trim().is_empty() {
            bail!("pins.hcl: {what} is empty");
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    /// The template as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Fills the template; `lookup` gets each variable path. The error names the variable, its
    /// column and why it could not be used; `scope` says whose variables were looked in.
    pub(crate) fn render(&self, what: &str, scope: &str, lookup: impl Fn(&[String]) -> Lookup) -> Result<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable { path, col } => {
                    let name = path.join(".");
                    match lookup(path) {
                        Lookup::Found(value) => out.push_str(&value),
                        Lookup::Missing => bail!(
                            "pins.hcl: {what} `{}` column {col}: `{name}` is not defined in {scope}; define it in the environment's data file or fix the template",
                            self.text
                        ),
                        Lookup::NotScalar(kind) => bail!(
                            "pins.hcl: {what} `{}` column {col}: `{name}` is {kind} in {scope}, not a string, number or bool",
                            self.text
                        ),
                    }
                }
            }
        }
        Ok(out)
    }
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(template: &str) -> Result<String> {
        Template::parse("location", template)?.render("location", "staging", |path| match path {
            [a] if a == "bucket" => Lookup::Found("prod-code".into()),
            [a, b] if a == "buckets" && b == "code" => Lookup::Found("code".into()),
            [a] if a == "tags" => Lookup::NotScalar("a map"),
            _ => Lookup::Missing,
        })
    }

    #[test]
    fn fills_variables_and_paths() {
        assert_eq!(
            fill("s3://${bucket}/${buckets.code}/x").unwrap(),
            "s3://prod-code/code/x"
        );
        assert_eq!(fill("s3://${ bucket }/a").unwrap(), "s3://prod-code/a");
        assert_eq!(fill("s3://b/$${bucket}%%{x}").unwrap(), "s3://b/${bucket}%{x}");
    }

    #[test]
    fn refuses_what_it_cannot_fill() {
        let e = fill("s3://${nope}/x").unwrap_err().to_string();
        assert!(
            e.contains("`nope` is not defined in staging") && e.contains("column 6"),
            "{e}"
        );
        let e = fill("s3://${tags}/x").unwrap_err().to_string();
        assert!(e.contains("is a map"), "{e}");
        for bad in ["s3://${bucket", "s3://${a b}", "s3://%{if x}y%{endif}", "s3://${}", ""] {
            assert!(fill(bad).is_err(), "{bad}");
        }
    }
}
