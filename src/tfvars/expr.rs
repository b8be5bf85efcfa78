//! The syntax tree of a var-file value: what the parser builds and the evaluator folds into a
//! value, as Terraform evaluates a `.tfvars` attribute (no variables, no functions; operators,
//! conditionals, templates, for-expressions and indexing over constants are fine).

use crate::tfvars::{Node, Span, Str};

/// One expression. Chains (`a + b + c`, `- - x`, `x[0].y`) are flat, so that the tree is only as
/// deep as the brackets and conditionals nest.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A literal that keeps its span and form for editing.
    Literal(Node),
    /// A string template: its parts, and its whole span.
    Template(Vec<Part>, Span),
    Tuple(Vec<Expr>, Span),
    Object(Vec<(Key, Expr)>, Span),
    /// Prefix operators (`-`, `!`) with their offsets, innermost last, applied to an operand.
    Unary(Vec<(u8, usize)>, Box<Expr>),
    /// `first op expr op expr …` at one precedence level, left-associative.
    Binary(Box<Expr>, Vec<(&'static str, usize, Expr)>),
    Conditional(Box<[Expr; 3]>, Span),
    For(Box<For>),
    /// A term followed by index and attribute steps.
    Traversal(Box<Expr>, Vec<Step>, Span),
    /// A name: a for-expression's variable, or a reference Terraform refuses in a var-file.
    Variable(Str, Span),
    /// A function call, which Terraform refuses in a var-file.
    Call(Str, Span),
    /// A splat (`[*]`, `.*`), which pins does not evaluate.
    Splat(Span),
    /// `(expr)`, kept because a parenthesized map key is an expression, not a name.
    Paren(Box<Expr>, Span),
}

impl Expr {
    /// The bytes this expression covers.
    pub fn span(&self) -> Span {
        match self {
            Expr::Literal(n) => n.span,
            Expr::Template(_, s)
            | Expr::Tuple(_, s)
            | Expr::Object(_, s)
            | Expr::Conditional(_, s)
            | Expr::Traversal(_, _, s)
            | Expr::Variable(_, s)
            | Expr::Call(_, s)
            | Expr::Splat(s)
            | Expr::Paren(_, s) => *s,
            Expr::For(f) => f.span,
            Expr::Unary(ops, operand) => Span::new(ops.first().map_or(0, |o| o.1), operand.span().end()),
            Expr::Binary(first, rest) => Span::new(
                first.span().start(),
                rest.last().map_or(first.span().end(), |r| r.2.span().end()),
            ),
        }
    }
}

/// A map key: a bare name is the literal string, anything else is an expression.
#[derive(Debug, Clone)]
pub enum Key {
    Name(Str, Span),
    Expr(Expr),
}

/// One step after a term: `[expr]`, `.name` or `.0`.
#[derive(Debug, Clone)]
pub enum Step {
    Index(Expr, usize),
    Attr(Str, usize),
}

/// A part of a template.
#[derive(Debug, Clone)]
pub enum Part {
    Literal(String),
    Interpolation(Expr),
    /// `%{ if c }…%{ else }…%{ endif }`.
    If(Expr, Vec<Part>, Vec<Part>),
    /// `%{ for k, v in coll }…%{ endfor }`.
    For(Option<Str>, Str, Expr, Vec<Part>, usize),
}

/// `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`.
#[derive(Debug, Clone)]
pub struct For {
    pub key_var: Option<Str>,
    pub value_var: Str,
    pub collection: Expr,
    pub key: Option<Expr>,
    pub value: Expr,
    pub condition: Option<Expr>,
    pub group: bool,
    pub span: Span,
}
