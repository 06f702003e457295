//! sha256 digests as the store names content: `sha256:<64 lowercase hex>`
//! in JSON, `<hex>` alone as a file name under `blobs/sha256/` and
//! `layers/sha256/`.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// The hex of `sha256:<hex>` (or of a bare `<hex>`), if it is one: digests
/// read from archives and from `images.json` become file names, so only
/// 64 lowercase hex digits pass.
pub(crate) fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    is_hex64(hex).then_some(hex)
}

/// 64 lowercase hex digits: the spelling of a sha256 in OCI JSON.
pub(crate) fn is_hex64(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The sha256 of `bytes`, in hex.
pub(crate) fn of_bytes(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A reader that hashes and counts what passes through it, so a blob is
/// verified in the same pass that copies or unpacks it.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Hashing<R> {
    pub(crate) fn new(inner: R) -> Hashing<R> {
        Hashing { inner, hasher: Sha256::new(), count: 0 }
    }

    /// Bytes read so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Reads the rest of the stream, then gives its hex digest and length.
    pub(crate) fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((format!("{:x}", self.hasher.finalize()), self.count))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        self.hasher.update(read);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sha256_hex_names_a_blob() {
        let hex = of_bytes(b"");
        assert_eq!(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(&format!("sha256:{hex}")), Some(hex.as_str()));
        assert_eq!(sha256_hex("sha256:../../etc"), None);
        assert_eq!(sha256_hex(&hex.to_uppercase()), None);
        let (digest, len) = Hashing::new(&b"abc"[..]).finish().unwrap();
        assert_eq!((digest, len), (of_bytes(b"abc"), 3));
    }
}
