//! Tricky fixture repositories in the default layout, shared by the CLI and Terraform tests.

/// A fixture: a name and its files.
pub struct Fixture {
    pub name: &'static str,
    pub files: Vec<(&'static str, String)>,
}

impl Fixture {
    /// The files as borrowed pairs for `Repo::new`.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.files.iter().map(|(p, t)| (*p, t.as_str())).collect()
    }
}

/// The default layout: development.tfvars, shared-release.tfvars and three data files.
pub fn layout(name: &'static str, dev: &str, shared: &str, data: [&str; 3]) -> Fixture {
    Fixture {
        name,
        files: vec![
            ("development.tfvars", dev.to_string()),
            ("shared-release.tfvars", shared.to_string()),
            ("data.d/development.tfvars", data[0].to_string()),
            ("data.d/staging.tfvars", data[1].to_string()),
            ("data.d/production.tfvars", data[2].to_string()),
        ],
    }
}

const DEV: &str =
    "artifact_versions = {\n  lambda-x = \"1.5.0\"\n  lambda-y = \"2.1.0\"\n}\nfrontend_version = \"3.2.0\"\n";
const SHARED: &str =
    "artifact_versions = {\n  lambda-x = \"1.4.2\"\n  lambda-y = \"2.0.1\"\n}\nfrontend_version = \"3.1.4\"\n";

fn data(env: &str) -> String {
    format!("db_endpoint = \"db.{env}.internal\"\nartifact_bucket = \"{env}-code\"\n")
}

/// Every tricky fixture the differential tests compare against real Terraform.
pub fn tricky() -> Vec<Fixture> {
    let d = [data("dev"), data("staging"), data("prod")];
    let dd = [d[0].as_str(), d[1].as_str(), d[2].as_str()];
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let bom = |s: &str| format!("\u{feff}{s}");
    vec![
        layout("plain", DEV, SHARED, dd),
        layout(
            "map_replaced_by_later_file",
            DEV,
            SHARED,
            [dd[0], dd[1], &format!("{}artifact_versions = {{ lambda-x = \"9.9.9\" }}\n", dd[2])],
        ),
        layout("data_file_shadows_pin", DEV, SHARED, [dd[0], &format!("{}frontend_version = \"3.0.0-hotfix\"\n", dd[1]), dd[2]]),
        layout("bom", &bom(DEV), &bom(SHARED), [&bom(dd[0]), dd[1], &bom(dd[2])]),
        layout("crlf_and_mixed", &crlf(DEV), &SHARED.replacen('\n', "\r\n", 2), [&crlf(dd[0]), dd[1], &crlf(dd[2])]),
        layout(
            "heredocs",
            DEV,
            SHARED,
            [
                &format!("{}policy = <<EOT\n{{\n  \"a\": 1\n}}\nEOT\nscript = <<-EOT\n    echo $${{HOME}}\n\n      indented\n\tEOT\n", dd[0]),
                &format!("{}crlf_doc = <<-EOT\r\n    line\r\n      more\r\n    EOT\r\n", dd[1]),
                dd[2],
            ],
        ),
        layout(
            "quoted_keys",
            "artifact_versions = {\n  \"lambda-x\" = \"1.5.0\"\n  \"key with space\" = \"1.0.0\"\n  bare_key: \"2.0.0\"\n}\n",
            "artifact_versions = {\n  \"lambda-x\" = \"1.4.2\"\n  \"key with space\" = \"1.0.0\"\n  bare_key: \"2.0.0\"\n}\n",
            dd,
        ),
        layout(
            "duplicate_object_keys",
            "artifact_versions = {\n  lambda-x = \"1.0.0\"\n  lambda-x = \"1.5.0\"\n}\n",
            "artifact_versions = { lambda-x = \"1.4.2\", \"lambda-x\" = \"1.4.3\" }\n",
            [dd[0], &format!("{}tags = {{ team = \"a\", team = \"b\" }}\n", dd[1]), dd[2]],
        ),
        layout(
            "keys_equal_after_nfc",
            "artifact_versions = {\n  \"\u{e9}\" = \"1.0.0\"\n  \"e\u{301}\" = \"1.5.0\"\n}\n",
            "artifact_versions = {\n  \"e\u{301}\" = \"1.4.2\"\n  \"\u{e9}\" = \"1.4.3\"\n}\n",
            [dd[0], &format!("{}tags = {{ \"o\u{308}\" = \"a\", \"\u{f6}\" = \"b\" }}\nname = \"Cafe\u{301}\"\n", dd[1]), dd[2]],
        ),
        layout(
            "nested_maps",
            DEV,
            SHARED,
            [
                &format!("{}network = {{\n  cidr = \"10.0.0.0/16\"\n  subnets = [\n    {{ name = \"a\", size = 24, public = true }},\n    {{ name = \"b\", size = 25.5, public = false, extra = null }},\n  ]\n  nested = {{ deeper = {{ deepest = [1, -2, 3e2, [\"x\"]] }} }}\n}}\n", dd[0]),
                dd[1],
                &format!("{}empty_list = []\nempty_map = {{}}\nzero = 0\nnegative = -1.25\nnumbers = [1.0, 1e-3, 0.1, 12345678901234567890, -0, 1.5e300, 2.50, 7 / 2, 1 / 8, 0.1 + 0.2, 1.5 * 1.5, 10 - 0.25, 10 % 3, 24 * 60]\nlogic = {{ t = 1 < 2 && !false, pick = 2 == 2 ? \"yes\" : \"no\" }}\n", dd[2]),
            ],
        ),
        layout(
            "comments_one_line_maps_trailing_commas",
            "# hash\n// slashes\n/* block\n   comment */\nartifact_versions = { lambda-x = \"1.5.0\", lambda-y = \"2.1.0\", } # trailing\nother_pins = {\n  a = \"1.0.0\", // why\n  b = \"1.0.1\", /* inline */\n}\n",
            "artifact_versions = { lambda-x = \"1.4.2\", lambda-y = \"2.0.1\" }\nother_pins = { a = \"1.0.0\", b = \"1.0.0\" }\n",
            [dd[0], &format!("list = [\n  \"a\", # one\n  \"b\",\n]\n{}", dd[1]), dd[2]],
        ),
        layout(
            "escapes",
            DEV,
            SHARED,
            [&format!("{}escaped = \"tab\\there \\\"quoted\\\" \\u00e9 \\U0001F600 $${{x}} %%{{y}} back\\\\slash $ %\"\n", dd[0]), dd[1], dd[2]],
        ),
        layout(
            "top_level_pins_and_same_key_in_two_maps",
            "api = \"1.0.0\"\nlambdas = { worker = \"1.1.0\" }\ncontainers = { worker = \"2.0.0\" }\n",
            "api = \"0.9.0\"\nlambdas = { worker = \"1.0.0\" }\ncontainers = { worker = \"2.0.0\" }\n",
            dd,
        ),
    ]
}
