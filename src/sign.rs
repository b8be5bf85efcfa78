//! Signed release records in minisign's format (Ed25519): `pins record --sign` writes
//! `RECORD.minisig` beside the record, and `verify --tested` checks it against the public keys
//! that `pins.hcl` trusts. The files interoperate with the `minisign` tool both ways
//! (`minisign -Vm RECORD -P KEY`, and records signed with `minisign -Sm RECORD`).
//!
//! A signature proves one thing: the holder of the secret key (a CI secret) recorded these exact
//! bytes. It says nothing about who could edit the pins before that.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use minisign::{PublicKey, SecretKey, SecretKeyBox, SignatureBox};

/// The environment variable that may hold the secret key file's text.
pub(crate) const KEY_VARIABLE: &str = "PINS_SIGNING_KEY";

/// The environment variable holding the password of an encrypted secret key.
pub(crate) const PASSWORD_VARIABLE: &str = "PINS_SIGNING_KEY_PASSWORD";

/// The environment variable that, when set, replaces `trusted_keys` of pins.hcl: CI settings that
/// a commit to the repository cannot change.
pub(crate) const TRUSTED_VARIABLE: &str = "PINS_TRUSTED_KEYS";

/// A secret key ready to sign, with its public half.
pub(crate) struct SigningKey {
    secret: SecretKey,
    public: PublicKey,
}

/// Where the signature of `record` lives: `RECORD.minisig`, as minisign names it.
pub(crate) fn signature_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_owned();
    name.push(".minisig");
    PathBuf::from(name)
}

/// The key id minisign shows (`1A2B…`, 16 hex digits) of a key number.
pub(crate) fn key_id(keynum: &[u8]) -> String {
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

impl SigningKey {
    /// Reads a minisign secret key file's text (`origin` names it in messages); an encrypted key
    /// needs `password`, and pins never prompts for one.
    pub(crate) fn parse(text: &str, origin: &str, password: Option<String>) -> Result<SigningKey> {
        let bad = |e: minisign::PError| anyhow!("{origin} is not a usable minisign secret key: {e}");
        let boxed = || SecretKeyBox::from_string(text.trim_start()).map_err(bad);
        let secret = match boxed()?.into_unencrypted_secret_key() {
            Ok(secret) => secret,
            Err(e) if e.to_string().contains("Corrupted") => without_checksum(text).ok_or_else(|| bad(e))?,
            Err(e) if !e.to_string().contains("encrypted") => return Err(bad(e)),
            Err(_) => match password {
                Some(password) => boxed()?.into_secret_key(Some(password)).map_err(bad)?,
                None => bail!("{origin} is an encrypted minisign key; set {PASSWORD_VARIABLE} to its password, or make a key without one (minisign -G -W)"),
            },
        };
        let public = PublicKey::from_secret_key(&secret).map_err(bad)?;
        Ok(SigningKey { secret, public })
    }

    /// The key from `--key FILE`, else from `PINS_SIGNING_KEY` (the key file's text).
    pub(crate) fn from_file_or_env(file: Option<&Path>) -> Result<SigningKey> {
        let password = std::env::var(PASSWORD_VARIABLE).ok();
        if let Some(file) = file {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(file).map_err(|e| anyhow!("reading the secret key {shown}: {e}"))?;
            return SigningKey::parse(&text, &shown, password);
        }
        match std::env::var(KEY_VARIABLE) {
            Ok(text) if !text.trim().is_empty() => SigningKey::parse(&text, KEY_VARIABLE, password),
            _ => bail!(
                "--sign needs a minisign secret key: set {KEY_VARIABLE} to the key file's text, or pass --key FILE"
            ),
        }
    }

    /// The public key, base64 as in `trusted_keys` and minisign's `.pub` files.
    #[cfg(test)]
    pub(crate) fn public_base64(&self) -> String {
        self.public.to_base64()
    }

    /// The key id.
    pub(crate) fn id(&self) -> String {
        key_id(self.public.keynum())
    }

    /// The text of a `.minisig` file over `bytes`, with the file's name in the trusted comment.
    pub(crate) fn sign(&self, bytes: &[u8], file_name: &str) -> Result<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let trusted = format!("timestamp:{now}\tfile:{file_name}\thashed");
        let untrusted = "signature from pins secret key";
        let signature = minisign::sign(Some(&self.public), &self.secret, bytes, Some(&trusted), Some(untrusted))
            .map_err(|e| anyhow!("signing {file_name}: {e}"))?;
        Ok(signature.into_string())
    }
}

/// An unencrypted key as `minisign -G -W` writes it: with an all-zero checksum, which the
/// minisign crate rejects. A corrupted key is still caught when signing: the signature is checked
/// against the key's public half.
fn without_checksum(text: &str) -> Option<SecretKey> {
    use base64::Engine;
    let line = text.trim_start().lines().nth(1)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(line.trim()).ok()?;
    let unencrypted = bytes.get(2..4) == Some(&[0, 0][..]);
    let no_checksum = bytes.len() == 158 && bytes.iter().rev().take(32).all(|&b| b == 0);
    (unencrypted && no_checksum)
        .then(|| SecretKey::from_bytes(&bytes).ok())
        .flatten()
}

/// Parses base64 public keys (`RWQ…`); `origin` names where they were written.
pub(crate) fn trusted_keys(keys: &[String], origin: &str) -> Result<Vec<PublicKey>> {
    keys.iter()
        .map(|k| {
            PublicKey::from_base64(k.trim()).map_err(|e| {
                anyhow!(
                    "{origin}: `{}` is not a minisign public key (RWQ… in base64): {e}",
                    k.escape_debug()
                )
            })
        })
        .collect()
}

/// Checks that `signature` (the text of `sig_file`) signs `bytes` with one of `trusted`; returns
/// the signing key's id.
pub(crate) fn verify(bytes: &[u8], signature: &str, sig_file: &str, trusted: &[PublicKey]) -> Result<String> {
    let signature =
        SignatureBox::from_string(signature).map_err(|e| anyhow!("{sig_file} is not a minisign signature: {e}"))?;
    let id = key_id(signature.keynum());
    let key = trusted
        .iter()
        .find(|k| k.keynum() == signature.keynum())
        .ok_or_else(|| {
            anyhow!("{sig_file} is signed by key {id}, which trusted_keys does not list; do not trust the record")
        })?;
    minisign::verify(key, &signature, Cursor::new(bytes), true, false, true).map_err(|e| {
        anyhow!("{sig_file} does not match the record's bytes ({e}): the record was altered after it was signed, do not trust it")
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap_or_else(|e| panic!("{e}"));
        let text = pair.sk.to_box(None).unwrap_or_else(|e| panic!("{e}")).into_string();
        SigningKey::parse(&text, "test key", None).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_signature_verifies_only_over_the_same_bytes_and_trusted_key() -> Result<()> {
        let key = key();
        let signature = key.sign(b"record", "r.json")?;
        let trusted = trusted_keys(&[key.public_base64()], "pins.hcl")?;
        assert_eq!(verify(b"record", &signature, "r.json.minisig", &trusted)?, key.id());
        let altered = verify(b"recorD", &signature, "r.json.minisig", &trusted);
        assert!(altered.is_err_and(|e| e.to_string().contains("altered after it was signed")));
        let other = trusted_keys(&[self::key().public_base64()], "pins.hcl")?;
        let untrusted = verify(b"record", &signature, "r.json.minisig", &other);
        assert!(untrusted.is_err_and(|e| e.to_string().contains("which trusted_keys does not list")));
        Ok(())
    }
}
