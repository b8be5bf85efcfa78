//! Test images: OCI layouts built by hand on disk and pushed with `skopeo`, and what `skopeo`
//! says about the images in a registry (the reference pins' promotion must match).

use std::process::Command;

use serde_json::{json, Value};

use crate::common::objects::bytes;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", crate::common::objects::sha256(data))
}

/// An OCI image layout being built.
pub struct Layout {
    pub dir: tempfile::TempDir,
}

impl Layout {
    pub fn new() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
        std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout { dir }
    }

    /// Stores a blob and returns its descriptor.
    pub fn blob(&self, media_type: &str, data: &[u8]) -> Value {
        let digest = sha256(data);
        let hex = digest.trim_start_matches("sha256:");
        std::fs::write(self.dir.path().join("blobs/sha256").join(hex), data).unwrap();
        json!({"mediaType": media_type, "digest": digest, "size": data.len()})
    }

    /// An image for `arch` with two layers (the first shared by every image of `seed`).
    pub fn image(&self, seed: u64, arch: &str, layer_size: usize) -> Value {
        let shared = self.blob("application/vnd.oci.image.layer.v1.tar", &bytes(seed, layer_size));
        let own = self.blob(
            "application/vnd.oci.image.layer.v1.tar",
            &bytes(seed * 1000 + arch.len() as u64 + arch.as_bytes()[0] as u64, 512),
        );
        let config = json!({
            "architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [shared["digest"], own["digest"]]},
        });
        let config = self.blob(
            "application/vnd.oci.image.config.v1+json",
            config.to_string().as_bytes(),
        );
        let manifest =
            json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [shared, own]});
        let mut d = self.blob(OCI_MANIFEST, manifest.to_string().as_bytes());
        d["platform"] = json!({"architecture": arch, "os": "linux"});
        d
    }

    /// An index of one image per architecture.
    pub fn index(&self, seed: u64, arches: &[&str]) -> Value {
        let manifests: Vec<Value> = arches.iter().map(|a| self.image(seed, a, 4096)).collect();
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
        self.blob(OCI_INDEX, index.to_string().as_bytes())
    }

    /// Names `top` as the layout's `tag`.
    pub fn tag(&self, top: &Value, tag: &str) {
        let mut entry = top.clone();
        entry.as_object_mut().unwrap().remove("platform");
        entry["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
        let index = json!({"schemaVersion": 2, "manifests": [entry]});
        std::fs::write(self.dir.path().join("index.json"), index.to_string()).unwrap();
    }

    /// Pushes the layout's `tag` to `target` (`host/repo:tag`) as is (every platform, digests kept).
    pub fn push(&self, tag: &str, target: &str, creds: Option<&str>) {
        let source = format!("oci:{}:{tag}", self.dir.path().display());
        skopeo_copy(&source, &format!("docker://{target}"), creds);
    }
}

/// `skopeo copy --all --preserve-digests`, plain HTTP, failing the test when it fails.
pub fn skopeo_copy(source: &str, target: &str, creds: Option<&str>) {
    let mut cmd = Command::new("skopeo");
    cmd.args([
        "copy",
        "--quiet",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
    ]);
    if let Some(creds) = creds {
        cmd.args(["--dest-creds", creds]);
    }
    let out = cmd.args([source, target]).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo copy {source} {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The manifest bytes at `reference` (`host/repo:tag` or `host/repo@sha256:…`), by `skopeo
/// inspect --raw`; `None` when it is not there.
pub fn raw(reference: &str) -> Option<Vec<u8>> {
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{reference}"),
        ])
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}

/// Whether `skopeo` is installed.
pub fn have_skopeo() -> bool {
    Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
