//! Shell patterns: `*`, `?`, `[abc]`, `[!a-z]`, `\x` (case arms, `${v%pat}`,
//! pathname expansion).

pub(super) fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Most steps one pattern match may take: the matchers below are linear for
/// the patterns scripts use, but `*a*a*a…b` against a long text is not.
/// Past this, the pattern counts as not matching.
const PATTERN_WORK: usize = 20_000_000;

/// One element of a shell pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternToken {
    Star,
    Any,
    Char(char),
    /// `[...]`: inclusive ranges (a lone character is `c-c`).
    Class {
        negate: bool,
        ranges: Vec<(char, char)>,
    },
}

impl PatternToken {
    /// Whether this single-character token matches `c` (`*` does not).
    fn matches(&self, c: char) -> bool {
        match self {
            PatternToken::Star => false,
            PatternToken::Any => true,
            PatternToken::Char(p) => *p == c,
            PatternToken::Class { negate, ranges } => ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negate,
        }
    }
}

/// A pattern's tokens: `*`, `?`, `[abc]`, `[!a-z]`, `\x`; a `[` that is
/// never closed is a plain `[`.
fn pattern_tokens(pattern: &str) -> Vec<PatternToken> {
    let p: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => tokens.push(PatternToken::Star),
            '?' => tokens.push(PatternToken::Any),
            '[' => match class_at(&p, i) {
                Some((class, next)) => {
                    tokens.push(class);
                    i = next;
                    continue;
                }
                None => tokens.push(PatternToken::Char('[')),
            },
            '\\' if i + 1 < p.len() => {
                tokens.push(PatternToken::Char(p[i + 1]));
                i += 1;
            }
            c => tokens.push(PatternToken::Char(c)),
        }
        i += 1;
    }
    tokens
}

/// The bracket expression at `p[start]` and the index after it.
fn class_at(p: &[char], start: usize) -> Option<(PatternToken, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            ranges.push((p[i], p[i + 2]));
            i += 3;
        } else {
            ranges.push((p[i], p[i]));
            i += 1;
        }
    }
    if i >= p.len() {
        return None;
    }
    Some((PatternToken::Class { negate, ranges }, i + 1))
}

/// Shell pattern matching: `*`, `?`, `[abc]`, `[!a-z]`, `\x`.
pub(super) fn glob_match(pattern: &str, text: &str) -> bool {
    let p = pattern_tokens(pattern);
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking on the last `*`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let mut work = 0usize;
    while ti < t.len() {
        work += 1;
        if work > PATTERN_WORK {
            return false;
        }
        match p.get(pi) {
            Some(PatternToken::Star) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(token) if token.matches(t[ti]) => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|token| *token == PatternToken::Star)
}

/// For each `k` in `0..=text.len()`, whether `tokens` match the first `k`
/// characters of `text` (a set-of-states matcher: one pass over the text).
/// `None` past [`PATTERN_WORK`].
fn prefix_matches(tokens: &[PatternToken], text: impl Iterator<Item = char>) -> Option<Vec<bool>> {
    let m = tokens.len();
    // `*` matches the empty string: a state before a star is also after it.
    let close = |states: &mut Vec<usize>, seen: &mut Vec<bool>| {
        let mut i = 0;
        while i < states.len() {
            let s = states[i];
            if s < m && tokens[s] == PatternToken::Star && !seen[s + 1] {
                seen[s + 1] = true;
                states.push(s + 1);
            }
            i += 1;
        }
    };
    // Two flag buffers, reused: only the entries of listed states are set.
    let mut seen = vec![false; m + 1];
    let mut next_seen = vec![false; m + 1];
    let mut states = vec![0];
    let mut next = Vec::new();
    seen[0] = true;
    close(&mut states, &mut seen);
    let mut accepts = vec![seen[m]];
    let mut work = 0usize;
    for c in text {
        if states.is_empty() {
            accepts.push(false);
            continue;
        }
        work = work.saturating_add(states.len());
        if work > PATTERN_WORK {
            return None;
        }
        next.clear();
        for &s in &states {
            let target = match tokens.get(s) {
                Some(PatternToken::Star) => s,
                Some(token) if token.matches(c) => s + 1,
                _ => continue,
            };
            if !next_seen[target] {
                next_seen[target] = true;
                next.push(target);
            }
        }
        close(&mut next, &mut next_seen);
        accepts.push(next_seen[m]);
        for &s in &states {
            seen[s] = false;
        }
        std::mem::swap(&mut seen, &mut next_seen);
        std::mem::swap(&mut states, &mut next);
    }
    Some(accepts)
}

/// `${v#pat}`, `${v##pat}` (prefix) and `${v%pat}`, `${v%%pat}` (suffix).
pub(super) fn remove_affix(value: &str, pattern: &str, longest: bool, prefix: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let mut tokens = pattern_tokens(pattern);
    // A suffix is a prefix of the reversed text, for the reversed pattern.
    let accepts = if prefix {
        prefix_matches(&tokens, chars.iter().copied())
    } else {
        tokens.reverse();
        prefix_matches(&tokens, chars.iter().rev().copied())
    };
    let Some(accepts) = accepts else {
        return value.to_string();
    };
    let lengths = (0..=n).filter(|k| accepts[*k]);
    let Some(k) = (if longest { lengths.max() } else { lengths.min() }) else {
        return value.to_string();
    };
    if prefix { chars[k..].iter().collect() } else { chars[..n - k].iter().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.log", "app.log"));
        assert!(!glob_match("*.log", "app.txt"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[!a-c]x", "bx"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn affixes() {
        assert_eq!(remove_affix("file.tar.gz", ".*", false, false), "file.tar");
        assert_eq!(remove_affix("file.tar.gz", ".*", true, false), "file");
        assert_eq!(remove_affix("/a/b/c", "*/", true, true), "c");
        assert_eq!(remove_affix("/a/b/c", "*/", false, true), "a/b/c");
        assert_eq!(remove_affix("/a/b/c", "/*", false, false), "/a/b");
        assert_eq!(remove_affix("/a/b/c", "/*", true, false), "");
        assert_eq!(remove_affix("abc", "x*", true, true), "abc");
        assert_eq!(remove_affix("abc", "", true, true), "abc");
        assert_eq!(remove_affix("abc", "*", false, true), "abc");
        assert_eq!(remove_affix("abc", "*", true, true), "");
        assert_eq!(remove_affix("a[b", "*[", false, false), "a[b");
        assert_eq!(remove_affix("a[b", "[[]b", false, false), "a");
        assert_eq!(remove_affix("héllo", "h?", false, true), "llo");
        assert_eq!(remove_affix("x.y", "\\.y", false, false), "x");
    }

    #[test]
    fn long_texts_and_patterns_stay_fast() {
        let long = "a".repeat(1 << 20);
        assert_eq!(remove_affix(&long, "*b", true, true), long);
        assert_eq!(remove_affix(&long, "*a", true, false), "");
        let mean = format!("{}b", "*a".repeat(2000));
        assert!(!glob_match(&mean, &long));
        assert_eq!(remove_affix(&long, &mean, true, true), long);
    }
}
