//! A grammar-based generator of `.tfvars` values: nested objects and tuples, every string escape,
//! Unicode in NFC and NFD, invalid UTF-8 in comments and strings, numbers of every size and form,
//! operators, conditionals, templates, for-expressions, indexing, heredocs of both kinds, comments
//! in every position, one-line maps with and without commas, bare and quoted keys.
//! Most of what it writes is valid Terraform; some is not, on purpose.

/// A seeded generator (splitmix64), so that every campaign can be replayed from its seed.
pub struct Gen {
    state: u64,
}

const WORDS: [&str; 12] = [
    "a", "b", "lambda-x", "x_1", "for", "in", "if", "true", "null", "é", "Ünï", "k-",
];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A whole var-file setting `name`: maybe a BOM, comments, CRLF line endings.
    pub fn file(&mut self, name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        if self.chance(5) {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        if self.chance(20) {
            out.extend(self.line_comment());
        }
        out.extend_from_slice(name.as_bytes());
        out.extend(self.pad());
        out.extend_from_slice(b"=");
        out.extend(self.pad());
        out.extend(self.value(3, true));
        if self.chance(20) {
            out.extend_from_slice(b" ");
            out.extend(self.line_comment());
        } else if !self.chance(5) {
            out.push(b'\n');
        }
        if self.chance(15) {
            let crlf: Vec<u8> = out
                .iter()
                .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
                .collect();
            return crlf;
        }
        out
    }

    fn pad(&mut self) -> Vec<u8> {
        match self.below(10) {
            0 => b"".to_vec(),
            1 => b"  ".to_vec(),
            2 => b"\t".to_vec(),
            3 => self.block_comment(),
            _ => b" ".to_vec(),
        }
    }

    /// Whitespace where a newline may stand too (inside brackets).
    fn gap(&mut self) -> Vec<u8> {
        match self.below(12) {
            0 => b"\n  ".to_vec(),
            1 => {
                let mut c = b" ".to_vec();
                c.extend(self.line_comment());
                c.extend_from_slice(b"  ");
                c
            }
            _ => self.pad(),
        }
    }

    fn block_comment(&mut self) -> Vec<u8> {
        let mut c = b"/* ".to_vec();
        c.extend(self.comment_text());
        c.extend_from_slice(b" */");
        c
    }

    fn line_comment(&mut self) -> Vec<u8> {
        let mut c = self.pick(&["# ", "// ", "#"]).as_bytes().to_vec();
        c.extend(self.comment_text());
        c.push(b'\n');
        c
    }

    fn comment_text(&mut self) -> Vec<u8> {
        match self.below(8) {
            0 => b"\xff\xfe bad utf-8".to_vec(),
            1 => "ü e\u{301} 😀 ${x} %{y}".as_bytes().to_vec(),
            2 => b"\xc3 lone lead".to_vec(),
            _ => b"note".to_vec(),
        }
    }

    /// Any value; `standalone` when a heredoc may stand here (followed by a newline).
    pub fn value(&mut self, depth: usize, standalone: bool) -> Vec<u8> {
        let kinds = if depth == 0 { 5 } else { 16 };
        match self.below(kinds) {
            0 | 1 => self.number(),
            2 | 3 => self.string(depth),
            4 => self.pick(&["true", "false", "null"]).as_bytes().to_vec(),
            5 | 6 => self.tuple(depth - 1),
            7 | 8 => self.object(depth - 1),
            9 => self.arithmetic(depth - 1),
            10 => self.logic(depth - 1),
            11 => self.conditional(depth - 1),
            12 => self.for_expression(depth - 1),
            13 => self.index(depth - 1),
            14 if standalone => self.heredoc(depth - 1),
            _ => self.unary(depth - 1),
        }
    }

    fn number(&mut self) -> Vec<u8> {
        let fixed = [
            "0",
            "7",
            "007",
            "1.5",
            "0.1",
            "2.50",
            "1e3",
            "1E-3",
            "1.50e3",
            "1e+2",
            "123456789012345678901234567890",
            "1e308",
            "1e309",
            "1e1023",
            "1e-400",
            "9007199254740993",
            "0.30000000000000004",
            "0.1000000000000000055511151231257827021181583404541015625",
            "18446744073709551616",
            "1e5000",
            "3.14159265358979323846264338327950288419716939937510",
        ];
        if self.chance(50) {
            return self.pick(&fixed).as_bytes().to_vec();
        }
        let digits: String = (0..1 + self.below(25))
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect();
        let mut n = digits;
        if self.chance(40) {
            let frac: String = (0..1 + self.below(20))
                .map(|_| char::from(b'0' + self.below(10) as u8))
                .collect();
            n = format!("{n}.{frac}");
        }
        if self.chance(30) {
            let e = self.below(700) as i64 - 350;
            n = format!("{n}{}{e}", self.pick(&["e", "E"]));
        }
        n.into_bytes()
    }

    fn string(&mut self, depth: usize) -> Vec<u8> {
        let mut s = b"\"".to_vec();
        for _ in 0..self.below(6) {
            if depth > 0 && self.chance(15) {
                s.extend(self.template_part(depth - 1));
            } else {
                s.extend(self.string_piece());
            }
        }
        s.push(b'"');
        s
    }

    fn string_piece(&mut self) -> Vec<u8> {
        if self.chance(3) {
            let invalid: [&[u8]; 5] = [b"\xff", b"\xc3", b"\xe2\x82", b"\\q", b"\x01"];
            return invalid[self.below(invalid.len())].to_vec();
        }
        let pieces: [&[u8]; 29] = [
            b"abc",
            b"1.4.2",
            b" ",
            b"\\n",
            b"\\t",
            b"\\r",
            b"\\\"",
            b"\\\\",
            b"\\u00e9",
            b"\\u0041",
            b"\\U0001F600",
            b"\\u0000",
            b"$${x}",
            b"%%{y}",
            b"$",
            b"%",
            b"{",
            b"}",
            b"~",
            b"<&>",
            "é".as_bytes(),
            "e\u{301}".as_bytes(),
            "A\u{30a}".as_bytes(),
            "\u{212b}".as_bytes(),
            "😀".as_bytes(),
            "日本".as_bytes(),
            b"\t",
            b"12",
            b"true",
        ];
        pieces[self.below(pieces.len())].to_vec()
    }

    fn template_part(&mut self, depth: usize) -> Vec<u8> {
        match self.below(5) {
            0 => {
                let mut t = b"%{ if ".to_vec();
                t.extend(self.condition(depth));
                t.extend_from_slice(b" }yes%{ else }no%{ endif }");
                t
            }
            1 => {
                let mut t = b"%{ for i, x in ".to_vec();
                t.extend(self.tuple(depth.min(1)));
                t.extend_from_slice(b" }${i}=${x},%{ endfor }");
                t
            }
            2 => {
                let mut t = b"${~ ".to_vec();
                t.extend(self.scalar(depth));
                t.extend_from_slice(b" ~}");
                t
            }
            _ => {
                let mut t = b"${".to_vec();
                t.extend(self.scalar(depth));
                t.push(b'}');
                t
            }
        }
    }

    /// A value that is usually a number, string or bool (operands of operators and templates).
    fn scalar(&mut self, depth: usize) -> Vec<u8> {
        match self.below(if depth == 0 { 4 } else { 7 }) {
            0 => self.number(),
            1 => format!(
                "\"{}\"",
                self.pick(&["12", " 1", "1e3", "0x10", "true", "1", "abc", ""])
            )
            .into_bytes(),
            2 => self.pick(&["true", "false", "null"]).as_bytes().to_vec(),
            3 => self.string(0),
            4 => self.arithmetic(depth - 1),
            5 => self.conditional(depth - 1),
            _ => self.index(depth - 1),
        }
    }

    fn condition(&mut self, depth: usize) -> Vec<u8> {
        match self.below(5) {
            0 => self.logic(depth),
            1 => b"\"true\"".to_vec(),
            2 => b"1 < 2".to_vec(),
            _ => self.pick(&["true", "false"]).as_bytes().to_vec(),
        }
    }

    fn tuple(&mut self, depth: usize) -> Vec<u8> {
        let mut t = b"[".to_vec();
        let n = self.below(5);
        for i in 0..n {
            t.extend(self.gap());
            t.extend(self.value(depth, false));
            if i + 1 < n || self.chance(30) {
                t.push(b',');
            }
        }
        t.extend(self.gap());
        t.push(b']');
        t
    }

    fn object(&mut self, depth: usize) -> Vec<u8> {
        let one_line = self.chance(50);
        let mut o = b"{".to_vec();
        let n = self.below(5);
        for i in 0..n {
            if one_line {
                o.extend(self.pad());
            } else {
                o.extend_from_slice(b"\n  ");
            }
            o.extend(self.key(depth));
            o.extend(self.pad());
            o.extend_from_slice(self.pick(&["=", "=", ":"]).as_bytes());
            o.extend(self.pad());
            o.extend(self.value(depth, !one_line));
            let comma = if one_line {
                i + 1 < n && !self.chance(10) || self.chance(20)
            } else {
                self.chance(30)
            };
            if comma {
                o.push(b',');
            }
            if !one_line && self.chance(15) {
                o.push(b' ');
                o.extend(self.line_comment());
                o.pop();
            }
        }
        o.extend_from_slice(if one_line { b" }" } else { b"\n}" });
        o
    }

    fn key(&mut self, depth: usize) -> Vec<u8> {
        match self.below(8) {
            0..=2 => self.pick(&WORDS).as_bytes().to_vec(),
            3 => format!("\"{}\"", self.pick(&WORDS)).into_bytes(),
            4 => self.string(0),
            5 => self
                .pick(&["1", "1.50", "(1 + 1)", "(true)", "(null)"])
                .as_bytes()
                .to_vec(),
            6 if depth > 0 => format!("\"${{\"{}\"}}x\"", self.pick(&WORDS)).into_bytes(),
            _ => format!("({})", String::from_utf8_lossy(&self.scalar(0))).into_bytes(),
        }
    }

    fn arithmetic(&mut self, depth: usize) -> Vec<u8> {
        let mut e = self.operand(depth);
        for _ in 0..1 + self.below(3) {
            e.extend(self.pad());
            e.extend_from_slice(self.pick(&["+", "-", "*", "/", "%", "<", ">=", "=="]).as_bytes());
            e.extend(self.pad());
            e.extend(self.operand(depth));
        }
        e
    }

    fn operand(&mut self, depth: usize) -> Vec<u8> {
        if depth > 0 && self.chance(20) {
            let mut p = b"(".to_vec();
            p.extend(self.arithmetic(depth - 1));
            p.push(b')');
            return p;
        }
        match self.below(16) {
            0 | 1 => format!(
                "\"{}\"",
                self.pick(&["12", "1e3", "2.5", "-3", ".5", "+4", "1p3", " 1", "x", "inf"])
            )
            .into_bytes(),
            2 => b"null".to_vec(),
            _ => self.number(),
        }
    }

    fn logic(&mut self, depth: usize) -> Vec<u8> {
        let ops = ["&&", "||", "==", "!="];
        let mut e = self.logic_operand(depth);
        e.extend(self.pad());
        e.extend_from_slice(self.pick(&ops).as_bytes());
        e.extend(self.pad());
        e.extend(self.logic_operand(depth));
        e
    }

    fn logic_operand(&mut self, depth: usize) -> Vec<u8> {
        match self.below(14) {
            0 => b"\"true\"".to_vec(),
            1 => b"null".to_vec(),
            2 | 5 if depth > 0 => self.value(depth - 1, false),
            3 => b"!false".to_vec(),
            4 => b"undefined_name".to_vec(),
            6 => b"1 < 2".to_vec(),
            7 => self
                .pick(&[
                    "\"${null}x\"",
                    "\"true${null}\"",
                    "\"false${[1]}\"",
                    "\"${var.x}true\"",
                    "(\"1${null}\")",
                ])
                .as_bytes()
                .to_vec(),
            _ => self.pick(&["true", "false"]).as_bytes().to_vec(),
        }
    }

    fn conditional(&mut self, depth: usize) -> Vec<u8> {
        let mut e = self.condition(depth);
        e.extend_from_slice(b" ? ");
        e.extend(self.value(depth, false));
        e.extend_from_slice(b" : ");
        e.extend(if self.chance(10) {
            self.failing()
        } else {
            self.value(depth, false)
        });
        e
    }

    /// An expression that fails, each kind with the type HCL gives its unknown result.
    fn failing(&mut self) -> Vec<u8> {
        self.pick(&[
            "var.nope",
            "f(1)",
            "null + 1",
            "-\"x\"",
            "!\"x\"",
            "\"${null}\"",
            "\"a${null}\"",
            "[var.x]",
            "{ a = var.x }",
            "[1][5]",
            "{ a = 1 }.b",
            "[for x in null : x]",
            "1 < null",
            "(true ? var.x : 1)",
            "(1 + var.x)",
            "\"${1 < var.x}\"",
        ])
        .as_bytes()
        .to_vec()
    }

    fn for_expression(&mut self, depth: usize) -> Vec<u8> {
        let over = if self.chance(50) {
            self.tuple(depth)
        } else {
            self.object(depth)
        };
        let over = String::from_utf8_lossy(&over).into_owned();
        let body = self.pick(&[
            "v",
            "k",
            "\"${k}-${v}\"",
            "[k, v]",
            "v == null ? 0 : 1",
            "k == \"a\" ? v : null",
            "v != null ? v : \"none\"",
            "k == 0 ? [v] : []",
        ]);
        let filter = self.pick(&["", " if v != null", " if k != \"a\"", " if v"]);
        let text = if self.chance(50) {
            format!("[for k, v in {over} : {body}{filter}]")
        } else {
            let group = if self.chance(20) { "..." } else { "" };
            let key = self.pick(&["k", "\"${k}x\"", "\"same\"", "v"]);
            format!("{{for k, v in {over} : {key} => {body}{group}{filter}}}")
        };
        text.into_bytes()
    }

    fn index(&mut self, depth: usize) -> Vec<u8> {
        let (coll, step) = if self.chance(50) {
            (
                self.tuple(depth),
                self.pick(&["[0]", "[1]", "[\"0\"]", "[-1]", "[0.5]", ".0", "[null]"])
                    .to_string(),
            )
        } else {
            (
                self.object(depth),
                self.pick(&[".a", "[\"b\"]", ".lambda-x", "[\"é\"]", ".for"])
                    .to_string(),
            )
        };
        let mut e = coll;
        e.extend_from_slice(step.as_bytes());
        e
    }

    fn unary(&mut self, depth: usize) -> Vec<u8> {
        let mut e = self
            .pick(&["-", "!", "- -", "!!", "- - -", "-(-", "-\"2\"", "!\"false\""])
            .as_bytes()
            .to_vec();
        if !e.ends_with(b"\"") {
            e.extend(self.scalar(depth));
        }
        if e.starts_with(b"-(") {
            e.push(b')');
        }
        e
    }

    fn heredoc(&mut self, depth: usize) -> Vec<u8> {
        let flush = self.chance(50);
        let mut h = if flush {
            b"<<-EOT\n".to_vec()
        } else {
            b"<<EOT\n".to_vec()
        };
        for _ in 0..self.below(4) {
            h.extend_from_slice(self.pick(&["", "  ", "    ", "\t"]).as_bytes());
            match self.below(7) {
                0 if depth > 0 => h.extend(self.template_part(depth - 1)),
                5 => {
                    h.extend_from_slice(self.pick(&["${", "${~ ", "a ${"]).as_bytes());
                    h.extend(self.number());
                    h.extend(self.gap());
                    let breaks: [&[u8]; 3] = [b"+\n", b"+ /* \xff */\n", b"*\n  "];
                    h.extend_from_slice(breaks[self.below(breaks.len())]);
                    h.extend_from_slice(self.pick(&["", "  ", "      ", "\t"]).as_bytes());
                    h.extend(self.number());
                    h.extend_from_slice(self.pick(&["}", " ~}", "} b"]).as_bytes());
                }
                6 => {
                    let (open, close) = [
                        ("%{ if true }", "%{ endif }"),
                        ("%{~ if false ~}", "%{~ else ~}"),
                        ("%{ for x in [1, 2] }", "%{~ endfor }"),
                    ][self.below(3)];
                    h.extend_from_slice(open.as_bytes());
                    h.extend_from_slice(self.pick(&["\n", "", "  "]).as_bytes());
                    h.extend_from_slice(b"body");
                    h.extend_from_slice(close.as_bytes());
                    if close.contains("else") {
                        h.extend_from_slice(b"no%{ endif }");
                    }
                }
                1 => h.extend_from_slice(b"\\n stays $${x} %%{y}"),
                2 => h.extend(self.string_piece()),
                _ => h.extend_from_slice(b"line"),
            }
            h.push(b'\n');
        }
        h.extend_from_slice(if flush { b"  EOT\n" } else { b"EOT\n" });
        h
    }
}
