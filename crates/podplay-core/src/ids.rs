//! Ids that are random in Kubernetes (Pod UIDs) or digests in a runtime
//! (container ids, image digests), made here from text instead: the same
//! input gives the same id on every run and platform, so stories and traces
//! can be compared byte for byte.

/// 64 hex digits derived from `text` (FNV-1a, four rounds chained). Not a
/// cryptographic hash: only stable and well spread.
pub fn stable_hex(text: &str) -> String {
    let mut out = String::with_capacity(64);
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u8 {
        let mut h = seed ^ u64::from(round);
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        seed = h;
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// A Pod UID for a Pod created by the driver (a UUID's shape, version 4
/// bits set), derived from its name.
pub fn pod_uid(name: &str) -> String {
    let d = stable_hex(&format!("uid/{name}"));
    format!("{}-{}-4{}-a{}-{}", &d[0..8], &d[8..12], &d[13..16], &d[17..20], &d[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_shaped() {
        assert_eq!(stable_hex("x"), stable_hex("x"));
        assert_ne!(stable_hex("x"), stable_hex("y"));
        assert_eq!(stable_hex("").len(), 64);
        let uid = pod_uid("web");
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
    }
}
