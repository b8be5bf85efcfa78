//! Numbers as Terraform computes them: cty numbers are Go `big.Float`s with a 512-bit mantissa,
//! rounded to nearest even, read from decimal text the way Go reads it and printed as the shortest
//! decimal that reads back to the same value (`Text('f', -1)`). `1e5000` is exact, `1/3*3` is `1`.
//!
//! The arithmetic is dashu-float's; this module only reproduces the order in which Go rounds.

use std::cmp::Ordering;

use dashu_float::round::mode::HalfEven;
use dashu_float::{Context, FBig};
use dashu_int::ops::{BitTest, UnsignedAbs};
use dashu_int::{IBig, UBig};

type Big = FBig<HalfEven, 2>;

/// The mantissa width of every number Terraform reads from text.
pub const PRECISION: usize = 512;

/// Go rounds a power of five with 64 guard bits while reading a decimal.
const GUARD: usize = 64;

/// The largest decimal exponent read (Go's exponent range is about ±2^31 bits; a var-file never
/// comes near this, and bigger ones would only burn memory).
const MAX_EXPONENT: i64 = 1_000_000;

/// A number: finite with its own precision (as a Go `big.Float` carries one), or infinite.
#[derive(Debug, Clone)]
pub enum Num {
    Finite(Big),
    Infinite { negative: bool },
}

impl Num {
    /// Reads decimal text as `big.ParseFloat(s, 10, 512, ToNearestEven)` does; `None` when Go
    /// would refuse it.
    pub fn parse(text: &str) -> Option<Num> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, text.get(1..)?),
            Some(b'+') => (false, text.get(1..)?),
            _ => (false, text),
        };
        if rest == "inf" || rest == "Inf" {
            return Some(Num::Infinite { negative });
        }
        let (mantissa, exponent, binary) = split_exponent(rest)?;
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: UBig = format!("0{int}{frac}").parse().ok()?;
        let exp10 = if binary { 0 } else { exponent } - frac.len() as i64;
        let exp2 = exp10 + if binary { exponent } else { 0 };
        let value = scale(IBig::from(digits), exp10, exp2);
        Some(Num::Finite(if negative { -value } else { value }))
    }

    /// Why `text` is not a number pins reads, when Terraform would read it: an exponent beyond
    /// pins's bound (Terraform computes such numbers, up to where they become infinite).
    pub fn unread(text: &str) -> Option<String> {
        let at = text.find(['e', 'E', 'p', 'P'])?;
        let digits = text.get(at + 1..)?;
        let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
        let too_large = !unsigned.is_empty()
            && unsigned.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<i64>().map_or(true, |e| e.abs() > MAX_EXPONENT);
        too_large.then(|| {
            format!("`{text}`: pins reads exponents up to ±{MAX_EXPONENT} only (Terraform accepts larger ones, up to where its own exponent overflows)")
        })
    }

    /// An integer, with the 64-bit precision Go gives `SetInt64`.
    pub fn int(n: i64) -> Num {
        Num::Finite(context(64).convert_int::<2>(IBig::from(n)).value())
    }

    /// The text Terraform prints for this number (`Text('f', -1)`): `+Inf`/`-Inf` for infinities.
    pub fn text(&self) -> String {
        match self {
            Num::Infinite { negative: true } => "-Inf".into(),
            Num::Infinite { negative: false } => "+Inf".into(),
            Num::Finite(f) => shortest(f),
        }
    }

    /// Whether this is an integer that fits in an `i64` (list indices, for example).
    pub fn as_i64(&self) -> Option<i64> {
        let Num::Finite(f) = self else { return None };
        if self.is_zero() {
            return Some(0);
        }
        let (sig, exp) = (f.repr().significand(), f.repr().exponent());
        if exp < 0 {
            let tz = sig.unsigned_abs().trailing_zeros().unwrap_or(0);
            if (tz as isize) < -exp {
                return None;
            }
            return i64::try_from(sig >> exp.unsigned_abs()).ok();
        }
        i64::try_from(sig << exp as usize).ok()
    }

    /// Whether this is zero (of either sign).
    pub fn is_zero(&self) -> bool {
        matches!(self, Num::Finite(f) if f.repr().significand() == &IBig::ZERO)
    }

    /// The negated number.
    pub fn neg(&self) -> Num {
        match self {
            Num::Finite(f) => Num::Finite(-f.clone()),
            Num::Infinite { negative } => Num::Infinite { negative: !negative },
        }
    }

    /// Compares as Go's `big.Float.Cmp`.
    pub fn compare(&self, other: &Num) -> Ordering {
        match (self, other) {
            (Num::Finite(a), Num::Finite(b)) => a.repr().cmp(b.repr()),
            (Num::Infinite { negative: a }, Num::Infinite { negative: b }) => b.cmp(a),
            (Num::Infinite { negative }, _) => neg_order(*negative),
            (_, Num::Infinite { negative }) => neg_order(*negative).reverse(),
        }
    }

    /// Equality as cty defines it: the same printed text, with `-0` equal to `0`.
    pub fn same(&self, other: &Num) -> bool {
        let text = |n: &Num| {
            let t = n.text();
            if t == "-0" {
                "0".to_string()
            } else {
                t
            }
        };
        text(self) == text(other)
    }

    /// `self + other`, or an error for opposing infinities.
    pub fn add(&self, other: &Num) -> Result<Num, String> {
        self.addsub(other, false)
    }

    /// `self - other`.
    pub fn sub(&self, other: &Num) -> Result<Num, String> {
        self.addsub(other, true)
    }

    fn addsub(&self, other: &Num, subtract: bool) -> Result<Num, String> {
        match (self, other) {
            (Num::Finite(a), Num::Finite(b)) => {
                let op = if subtract { Op::Sub } else { Op::Add };
                Ok(Num::Finite(exact(op, a, b, a.precision().max(b.precision()))?))
            }
            (Num::Infinite { negative: x }, Num::Infinite { negative: y }) if (x == y) == subtract => {
                Err("can't compute sum of opposing infinities".into())
            }
            (Num::Infinite { .. }, _) => Ok(self.clone()),
            (_, _) if subtract => Ok(other.neg()),
            _ => Ok(other.clone()),
        }
    }

    /// `self * other`.
    pub fn mul(&self, other: &Num) -> Result<Num, String> {
        match (self, other) {
            (Num::Finite(a), Num::Finite(b)) if self.is_zero() || other.is_zero() => Ok(signed_zero(
                self.is_negative() != other.is_negative(),
                a.precision().max(b.precision()),
            )),
            (Num::Finite(a), Num::Finite(b)) => {
                Ok(Num::Finite(exact(Op::Mul, a, b, a.precision().max(b.precision()))?))
            }
            _ if self.is_zero() || other.is_zero() => Err("can't multiply zero by infinity".into()),
            _ => Ok(Num::Infinite {
                negative: self.is_negative() != other.is_negative(),
            }),
        }
    }

    /// `self / other`: division by zero gives an infinity, as in Go.
    pub fn div(&self, other: &Num) -> Result<Num, String> {
        match (self, other) {
            (Num::Finite(a), Num::Finite(b)) if b.repr().significand() == &IBig::ZERO => {
                if self.is_zero() {
                    return Err("can't divide zero by zero or infinity by infinity".into());
                }
                Ok(Num::Infinite {
                    negative: self.is_negative() != other.is_negative(),
                })
            }
            (Num::Finite(a), Num::Finite(b)) if self.is_zero() => Ok(signed_zero(
                self.is_negative() != other.is_negative(),
                a.precision().max(b.precision()),
            )),
            (Num::Finite(a), Num::Finite(b)) => {
                let ctx = context(a.precision().max(b.precision()));
                Ok(Num::Finite(
                    ctx.div(a.repr(), b.repr()).map_err(|_| "arithmetic overflow")?.value(),
                ))
            }
            (Num::Infinite { .. }, Num::Infinite { .. }) => {
                Err("can't divide zero by zero or infinity by infinity".into())
            }
            (Num::Infinite { negative }, _) => Ok(Num::Infinite {
                negative: *negative != other.is_negative(),
            }),
            _ => Ok(signed_zero(self.is_negative() != other.is_negative(), PRECISION)),
        }
    }

    /// `self % other` as cty computes it: `a - b * trunc(a / b)` at `a`'s precision; `a % 0` is `a`.
    pub fn rem(&self, other: &Num) -> Result<Num, String> {
        if other.is_zero() {
            // cty returns `a` for `a % 0` before it looks at infinities.
            return Ok(self.clone());
        }
        if matches!(self, Num::Infinite { .. }) || matches!(other, Num::Infinite { .. }) {
            // cty's infinity shortcut compares pointers and misses a parsed infinity, and
            // Terraform then fails on it: refuse, as it does.
            return Err("can't use modulo with an infinite number".into());
        }
        let (Num::Finite(a), Num::Finite(b)) = (self, other) else {
            return Ok(self.clone());
        };
        let quotient = match self.div(other)? {
            Num::Finite(q) => truncate(&q),
            Num::Infinite { .. } => IBig::ZERO,
        };
        let p = a.precision();
        let whole = context(p).convert_int::<2>(quotient).value();
        let product = exact(Op::Mul, b, &whole, p)?;
        Ok(Num::Finite(exact(Op::Sub, a, &product, p)?))
    }

    fn is_negative(&self) -> bool {
        match self {
            Num::Finite(f) => f.repr().significand() < &IBig::ZERO || f.repr().is_neg_zero(),
            Num::Infinite { negative } => *negative,
        }
    }
}

/// A zero with a sign, as Go's `Mul` and `Quo` give one: negative when the signs differ.
fn signed_zero(negative: bool, precision: usize) -> Num {
    let zero = Big::ZERO.with_precision(precision).value();
    Num::Finite(if negative { -zero } else { zero })
}

enum Op {
    Add,
    Sub,
    Mul,
}

/// `a op b` rounded once to `precision` bits, as Go rounds: computed exactly first, because
/// dashu's own sum may keep a guard digit past the precision.
fn exact(op: Op, a: &Big, b: &Big, precision: usize) -> Result<Big, String> {
    let unlimited = context(0);
    let r = match op {
        Op::Add => unlimited.add(a.repr(), b.repr()),
        Op::Sub => unlimited.sub(a.repr(), b.repr()),
        Op::Mul => unlimited.mul(a.repr(), b.repr()),
    };
    let value = r.map_err(|_| "arithmetic overflow".to_string())?.value();
    if value.repr().significand() == &IBig::ZERO && !matches!(op, Op::Mul) {
        // Go's x - x is +0; a sum is -0 only from -0 + -0 (or -0 - +0).
        let neg = |f: &Big| f.repr().is_neg_zero();
        let zero = |f: &Big| f.repr().significand() == &IBig::ZERO;
        let negative = match op {
            Op::Add => neg(a) && neg(b),
            _ => neg(a) && zero(b) && !neg(b),
        };
        if !negative {
            return Ok(Big::ZERO.with_precision(precision).value());
        }
    }
    Ok(value.with_precision(precision).value())
}

fn neg_order(negative: bool) -> Ordering {
    if negative {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

fn context(precision: usize) -> Context<HalfEven> {
    Context::new(precision)
}

/// `mantissa`, the exponent's value, and whether it was a binary (`p`) exponent.
fn split_exponent(text: &str) -> Option<(&str, i64, bool)> {
    let Some(at) = text.find(['e', 'E', 'p', 'P']) else {
        return Some((text, 0, false));
    };
    let (mantissa, rest) = text.split_at(at);
    let binary = matches!(rest.as_bytes().first(), Some(b'p' | b'P'));
    let digits = rest.get(1..)?;
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exponent = digits.parse::<i64>().ok().filter(|e| e.abs() <= MAX_EXPONENT)?;
    Some((mantissa, exponent, binary))
}

/// `digits × 5^exp5 × 2^exp2` rounded as Go's `Float.scan` rounds it: the exact mantissa times a
/// power of five computed with 64 guard bits, rounded once to 512 bits.
fn scale(digits: IBig, exp5: i64, exp2: i64) -> Big {
    let ctx = context(PRECISION);
    let exact = Big::from_parts(digits, 0);
    let value = match exp5.cmp(&0) {
        Ordering::Equal => ctx.convert_int::<2>(exact.repr().significand().clone()).value() << exact.repr().exponent(),
        Ordering::Greater => exact_or_zero(Op::Mul, &exact, &pow5(exp5.unsigned_abs()), PRECISION),
        Ordering::Less => rounded(ctx.div(exact.repr(), pow5(exp5.unsigned_abs()).repr())),
    };
    value << exp2 as isize
}

fn exact_or_zero(op: Op, a: &Big, b: &Big, precision: usize) -> Big {
    exact(op, a, b, precision).unwrap_or(Big::ZERO)
}

fn rounded(result: dashu_float::FpResult<Big>) -> Big {
    result.map(|r| r.value()).unwrap_or(Big::ZERO)
}

/// 5^n as Go's `Float.pow5` computes it: exact up to 5^27, then by squaring at 576 and 640 bits.
fn pow5(n: u64) -> Big {
    const EXACT: u64 = 27;
    let z_ctx = context(PRECISION + GUARD);
    let exact = |k: u64| z_ctx.convert_int::<2>(IBig::from(5u64.pow(k as u32))).value();
    if n <= EXACT {
        return exact(n);
    }
    let f_ctx = context(PRECISION + 2 * GUARD);
    let mut z = exact(EXACT);
    let mut f = f_ctx.convert_int::<2>(IBig::from(5)).value();
    let mut n = n - EXACT;
    while n > 0 {
        if n & 1 != 0 {
            z = exact_or_zero(Op::Mul, &z, &f, PRECISION + GUARD);
        }
        f = exact_or_zero(Op::Mul, &f, &f, PRECISION + 2 * GUARD);
        n >>= 1;
    }
    z
}

/// The integer part, truncated toward zero.
fn truncate(f: &Big) -> IBig {
    let (sig, exp) = (f.repr().significand(), f.repr().exponent());
    if exp >= 0 {
        return sig << exp as usize;
    }
    let magnitude = IBig::from(sig.unsigned_abs() >> exp.unsigned_abs());
    if sig < &IBig::ZERO {
        -magnitude
    } else {
        magnitude
    }
}

/// A decimal `0.digits × 10^exp`, as Go's `big.decimal`: no leading or trailing zeros.
struct Decimal {
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// The exact decimal value of `m × 2^shift`.
    fn new(m: &UBig, shift: i64) -> Decimal {
        let text = if shift >= 0 {
            (m << shift as usize).to_string()
        } else {
            (m * UBig::from(5u8).pow(shift.unsigned_abs() as usize)).to_string()
        };
        let exp = text.len() as i64 + shift.min(0);
        let mut d = Decimal {
            digits: text.into_bytes(),
            exp,
        };
        d.trim();
        d
    }

    fn trim(&mut self) {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }

    fn round(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let up = match (self.at(n), n + 1 == self.digits.len()) {
            (b'5', true) => n > 0 && (self.at(n - 1) - b'0') & 1 != 0,
            (d, _) => d >= b'5',
        };
        if up {
            self.round_up(n)
        } else {
            self.round_down(n)
        }
    }

    fn round_up(&mut self, mut n: usize) {
        if n >= self.digits.len() {
            return;
        }
        while n > 0 && self.at(n - 1) >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.digits = vec![b'1'];
            self.exp += 1;
            return;
        }
        self.digits.truncate(n);
        if let Some(last) = self.digits.last_mut() {
            *last += 1;
        }
    }

    fn round_down(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        self.digits.truncate(n);
        self.trim();
    }

    /// `%f` with exactly the digits held.
    fn format(&self) -> String {
        let digits = String::from_utf8_lossy(&self.digits);
        let len = self.digits.len() as i64;
        if self.exp <= 0 {
            let zeros = "0".repeat(self.exp.unsigned_abs() as usize);
            return if digits.is_empty() {
                "0".into()
            } else {
                format!("0.{zeros}{digits}")
            };
        }
        if self.exp >= len {
            return format!("{digits}{}", "0".repeat((self.exp - len) as usize));
        }
        let (int, frac) = self.digits.split_at(self.exp as usize);
        format!("{}.{}", String::from_utf8_lossy(int), String::from_utf8_lossy(frac))
    }
}

/// Go's `Text('f', -1)`: the shortest decimal that rounds back to `f` at its precision.
fn shortest(f: &Big) -> String {
    let (sig, exp) = (f.repr().significand(), f.repr().exponent() as i64);
    let sign = if sig < &IBig::ZERO || f.repr().is_neg_zero() {
        "-"
    } else {
        ""
    };
    let magnitude = sig.unsigned_abs();
    let mut d = Decimal::new(&magnitude, exp);
    if !d.digits.is_empty() {
        round_shortest(&mut d, &magnitude, exp, f.precision().max(1));
    }
    format!("{sign}{}", d.format())
}

/// Go's `roundShortest`: walk the digits until they leave the interval of numbers that round to
/// the same value (`x ± ½ ulp`, inclusive when the mantissa is even).
fn round_shortest(d: &mut Decimal, magnitude: &UBig, exp: i64, precision: usize) {
    let bits = magnitude.bit_len() as i64;
    let s = bits - (precision as i64 + 1);
    let mant = if s < 0 {
        magnitude << s.unsigned_abs() as usize
    } else {
        magnitude >> s as usize
    };
    let exp = exp + s;
    let one = UBig::ONE;
    let lower = Decimal::new(&(&mant - &one), exp);
    let upper = Decimal::new(&(&mant + &one), exp);
    let inclusive = !mant.bit(1);
    for i in 0..d.digits.len() {
        let (l, m, u) = (lower.at(i), d.at(i), upper.at(i));
        let down = l != m || (inclusive && i + 1 == lower.digits.len());
        let up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
        match (down, up) {
            (true, true) => return d.round(i + 1),
            (true, false) => return d.round_down(i + 1),
            (false, true) => return d.round_up(i + 1),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    fn eval(text: &str) -> String {
        Num::parse(text).map_or("refused".into(), |n| n.text())
    }

    #[test]
    fn reads_and_prints_as_terraform() {
        for (input, printed) in [
            ("1", "1"),
            ("0.1", "0.1"),
            ("1.50e3", "1500"),
            ("1e-3", "0.001"),
            ("-0", "-0"),
            ("007", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e1023", &format!("1{}", "0".repeat(1023))),
            ("1e5000", &format!("1{}", "0".repeat(5000))),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("inf", "+Inf"),
            ("1p3", "8"),
            (" 1", "refused"),
            ("1_000", "refused"),
            ("0x10", "refused"),
            ("", "refused"),
            ("e5", "refused"),
        ] {
            assert_eq!(eval(input), printed, "{input}");
        }
    }

    #[test]
    fn computes_with_512_bits() {
        let n = |s: &str| Num::parse(s).unwrap_or(Num::int(0));
        let third = n("1").div(&n("3")).unwrap_or(Num::int(0));
        assert_eq!(third.mul(&n("3")).map(|x| x.text()), Ok("1".into()));
        assert_eq!(n("0.1").add(&n("0.2")).map(|x| x.text()), Ok("0.3".into()));
        assert_eq!(
            n("1e308").mul(&n("10")).map(|x| x.text()),
            Ok(format!("1{}", "0".repeat(309)))
        );
        assert_eq!(n("10.5").rem(&n("3")).map(|x| x.text()), Ok("1.5".into()));
        assert_eq!(n("-7").rem(&n("2")).map(|x| x.text()), Ok("-1".into()));
        assert_eq!(n("5").rem(&n("0")).map(|x| x.text()), Ok("5".into()));
        assert_eq!(n("inf").rem(&n("-0")).map(|x| x.text()), Ok("+Inf".into()));
        assert!(n("inf").rem(&n("2")).is_err() && n("2").rem(&n("inf")).is_err());
        assert_eq!(n("1").div(&n("0")).map(|x| x.text()), Ok("+Inf".into()));
    }

    #[test]
    fn exponents_beyond_the_bound_are_a_stated_refusal() {
        assert!(Num::parse("1e1000000").is_some());
        assert_eq!(eval("1e1000001"), "refused");
        let why = Num::unread("1e-2147483649").unwrap_or_default();
        assert_eq!(
            why,
            "`1e-2147483649`: pins reads exponents up to ±1000000 only (Terraform accepts larger ones, up to where its own exponent overflows)"
        );
        assert_eq!(Num::unread("1e5"), None);
        assert_eq!(Num::unread("1ex"), None);
    }

    #[test]
    fn zeros_keep_the_sign_go_gives_them() {
        let n = |s: &str| Num::parse(s).unwrap_or(Num::int(7));
        let text = |r: Result<Num, String>| r.map(|x| x.text()).unwrap_or_default();
        assert_eq!(text(n("-3").div(&n("inf"))), "-0");
        assert_eq!(text(n("3").div(&n("-inf"))), "-0");
        assert_eq!(text(n("3").div(&n("inf"))), "0");
        assert_eq!(text(n("-0").div(&n("5"))), "-0");
        assert_eq!(text(n("0").div(&n("-5"))), "-0");
        assert_eq!(text(n("0").mul(&n("-5"))), "-0");
        assert_eq!(text(n("-0").mul(&n("-5"))), "0");
        assert_eq!(text(n("-0").add(&n("-0"))), "-0");
        assert_eq!(text(n("5").sub(&n("5"))), "0");
    }
}
