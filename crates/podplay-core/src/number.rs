//! Decimal text → `f64`, without the standard library's float parser.
//!
//! `str::parse::<f64>` is correctly rounded for every input, at the price of
//! a 10 KB table of 128-bit powers of five and its slow path: about 11 KB of
//! the playground's gzipped WebAssembly, for the few floats a Pod holds
//! (`cpu: 0.5`, `sleep 0.1`). This parser is exact, as Go's
//! `strconv.ParseFloat` is, whenever the digits and the power of ten are
//! exactly representable (up to 15 significant digits and exponents within
//! ±22, which covers what people write). Beyond that it rounds more than
//! once: a few units in the last place for normal numbers (`1e300` reads as
//! `1.0000000000000002e300`), more for subnormals, and JSON integers of 20
//! digits or more may differ from serde_json's reading in the last digit.
//! Tests compare it with the standard parser.

/// Powers of ten that are exact in `f64`.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// `[+-]digits[.digits][(e|E)[+-]digits]` (either the integer or the
/// fraction digits may be empty, not both) as an `f64`; `None` otherwise.
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = take_sign(bytes, &mut i);
    // Up to 19 significant digits are kept; the rest only scale.
    let mut mantissa: u64 = 0;
    let mut kept = 0u32;
    let mut exponent: i64 = 0;
    let mut digits = 0usize;
    let mut truncated = false;
    let mut digit = |d: u8, after_point: bool, exponent: &mut i64| {
        if mantissa == 0 && d == 0 {
            // Leading zeros are not significant.
        } else if kept < 19 {
            mantissa = mantissa * 10 + u64::from(d);
            kept += 1;
        } else {
            truncated |= d != 0;
            *exponent += 1;
        }
        if after_point {
            *exponent -= 1;
        }
    };
    while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        digit(b - b'0', false, &mut exponent);
        digits += 1;
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            digit(b - b'0', true, &mut exponent);
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let exp_negative = take_sign(bytes, &mut i);
        let start = i;
        let mut e: i64 = 0;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            e = (e * 10 + i64::from(b - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += if exp_negative { -e } else { e };
    }
    if i != bytes.len() {
        return None;
    }
    let magnitude = scale(mantissa, exponent, truncated);
    Some(if negative { -magnitude } else { magnitude })
}

/// An optional `+` or `-` at `bytes[*i]`, stepped over; true for `-`.
fn take_sign(bytes: &[u8], i: &mut usize) -> bool {
    match bytes.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    }
}

/// `mantissa × 10^exponent`.
fn scale(mantissa: u64, exponent: i64, truncated: bool) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    const EXACT_MANTISSA: u64 = 1 << 53;
    if !truncated && mantissa <= EXACT_MANTISSA {
        // Clinger's fast path: both factors exact, so one rounding.
        if (0..=22).contains(&exponent) {
            return mantissa as f64 * EXACT_POWERS[exponent as usize];
        }
        if (-22..0).contains(&exponent) {
            return mantissa as f64 / EXACT_POWERS[(-exponent) as usize];
        }
    }
    // Far from the common case: one rounding per step, a few ulps in all
    // (more for subnormals).
    let mut value = mantissa as f64;
    let mut e = exponent.clamp(-400, 400);
    while e > 22 {
        value *= 1e22;
        e -= 22;
    }
    while e < -22 {
        value /= 1e22;
        e += 22;
    }
    if e >= 0 { value * EXACT_POWERS[e as usize] } else { value / EXACT_POWERS[(-e) as usize] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_write_is_exact() {
        for text in [
            "0",
            "0.5",
            "1.5",
            "-2.25",
            "+3",
            "80.0",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "2.5e+2",
            "0.1",
            "0.3",
            "123456.789",
            "3.14159265358979",
            "1e22",
            "1e-22",
            "00012.5000",
            "0.000001",
            "9007199254740992",
        ] {
            assert_eq!(parse_f64(text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn everything_else_is_close() {
        for text in
            ["1e300", "1e-300", "123456789012345678901234567890", "0.12345678901234567890123", "1e400", "1e-400"]
        {
            let ours = parse_f64(text).unwrap();
            let std = text.parse::<f64>().unwrap();
            assert!(ours == std || ((ours - std) / std).abs() < 1e-14, "{text}: {ours} vs {std}");
        }
    }

    #[test]
    fn not_numbers() {
        for text in ["", ".", "-", "e5", "1e", "1e+", "1.2.3", "0x10", "1_000", " 1", "inf", "nan"] {
            assert_eq!(parse_f64(text), None, "{text}");
        }
    }

    #[test]
    fn random_short_decimals_match_the_standard_parser() {
        // A deterministic sweep over mantissas and exponents in the exact range.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mantissa = x % 1_000_000_000_000_000;
            let exponent = (x >> 50) as i32 % 23 - 11;
            let text = format!("{mantissa}e{exponent}");
            assert_eq!(parse_f64(&text), text.parse::<f64>().ok(), "{text}");
        }
    }
}
