//! Plain-scalar resolution as go-yaml v2 does it (YAML 1.1 flavoured), which
//! is what `kubectl` and the API server use to read manifests.

use super::Value;

/// Resolves an untagged plain scalar.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::String(text.to_string());
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(int) = parse_go_int(&plain) {
        return Value::Int(int);
    }
    if let Some(uint) = parse_go_uint(&plain) {
        // Too big for i64: go-yaml keeps it as uint64; JSON sees a number.
        return Value::Float(uint as f64);
    }
    if is_yaml_float(&plain) {
        if let Some(f) = crate::number::parse_f64(&plain) {
            return Value::Float(f);
        }
    }
    Value::String(text.to_string())
}

/// Resolves a scalar with an explicit core-schema tag (`!!str`, `!!int`, …).
/// Returns `None` when the text does not fit the tag.
pub fn resolve_tagged(suffix: &str, text: &str) -> Option<Value> {
    match suffix {
        "str" => Some(Value::String(text.to_string())),
        "null" => Some(Value::Null),
        "bool" | "int" | "float" => {
            let value = resolve_plain(text);
            let fits = matches!(
                (suffix, &value),
                ("bool", Value::Bool(_)) | ("int", Value::Int(_)) | ("float", Value::Float(_) | Value::Int(_))
            );
            match (fits, value) {
                (true, Value::Int(i)) if suffix == "float" => Some(Value::Float(i as f64)),
                (true, v) => Some(v),
                (false, _) => None,
            }
        }
        _ => Some(resolve_plain(text)),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`, `0o`, `0b`,
/// a leading `0` for octal, or decimal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_go_uint(digits)?;
    if negative {
        if magnitude == (i64::MAX as u64) + 1 {
            return Some(i64::MIN);
        }
        i64::try_from(magnitude).ok().map(|m| -m)
    } else {
        i64::try_from(magnitude).ok()
    }
}

fn parse_go_uint(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Formats a float the way Go's `encoding/json` writes it (`80.5`, `3`,
/// `1e+21`, `1e-7`): the shortest digits that read back as the same float,
/// in fixed notation from 1e-6 to 1e21 and in exponent notation outside.
/// `strconv` writes the exponent with at least two digits and
/// `encoding/json` then shortens `e-07` to `e-7` (`floatEncoder`).
///
/// The shortest digits come from serde_json's float printer, which the
/// playground carries anyway; the standard library's (Grisu and Dragon4)
/// would add about 5 KB to its gzipped WebAssembly.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let printed = serde_json::Number::from_f64(f).map(|n| n.to_string()).unwrap_or_default();
    let (sign, unsigned) = match printed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", printed.as_str()),
    };
    let (mantissa, exp) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    // value = 0.DIGITS × 10^point
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac_part}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0');
    let point = int_part.len() as i32 - leading as i32 + exp;
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        let fixed = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{fixed}")
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let e = point - 1;
        let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        // e ≥ 21 on this side, so a positive exponent has two digits anyway.
        format!("{sign}{first}{dot}e{}{}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("nginx"), Value::String("nginx".into()));
    }

    #[test]
    fn numbers_as_go_yaml_reads_them() {
        assert_eq!(resolve_plain("80"), Value::Int(80));
        assert_eq!(resolve_plain("0777"), Value::Int(0o777));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-5"), Value::Int(-5));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("1.27"), Value::Float(1.27));
        assert_eq!(resolve_plain("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(resolve_plain("-"), Value::String("-".into()));
        assert_eq!(resolve_plain("+"), Value::String("+".into()));
        assert_eq!(resolve_plain("."), Value::String(".".into()));
    }

    #[test]
    fn go_float_format() {
        assert_eq!(format_float(80.5), "80.5");
        assert_eq!(format_float(1e21), "1e+21");
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(-0.000123), "-0.000123");
        assert_eq!(format_float(1e-7), "1e-7");
        assert_eq!(format_float(-2.5e-10), "-2.5e-10");
        assert_eq!(format_float(1.5e300), "1.5e+300");
        assert_eq!(format_float(123456789012345680000.0), "123456789012345680000");
        assert_eq!(format_float(0.1 + 0.2), "0.30000000000000004");
    }

    /// The standard library's shortest printing, rearranged as Go does: the
    /// reference for `format_float`.
    fn go_reference(f: f64) -> String {
        let abs = f.abs();
        if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
            let s = format!("{f:e}");
            let (mantissa, exp) = s.split_once('e').unwrap();
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            // Go: at least two exponent digits, then encoding/json turns e-07 into e-7.
            let digits = if sign == '+' { format!("{digits:0>2}") } else { digits.to_string() };
            format!("{mantissa}e{sign}{digits}")
        } else {
            format!("{f}")
        }
    }

    #[test]
    fn format_float_agrees_with_the_standard_library() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Random bit patterns, and random short decimals.
            let f =
                if i % 2 == 0 { f64::from_bits(x) } else { (x % 100_000) as f64 / 10f64.powi((x >> 40) as i32 % 12) };
            if f.is_finite() {
                let (ours, reference) = (format_float(f), go_reference(f));
                // A tie between two shortest candidates (the float lies
                // exactly halfway, e.g. 1690060720831323.25) may go either
                // way; both read back as the same float.
                let tie = ours.len() == reference.len() && ours.parse::<f64>() == Ok(f);
                assert!(ours == reference || tie, "{f:e}: {ours} vs {reference}");
            }
        }
    }
}
