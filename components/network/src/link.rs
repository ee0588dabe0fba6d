//! The `Link` header of a certificate download (RFC 8555 §7.4.2, RFC 8288
//! §3): the URLs of the alternate chains a server offers, with
//! `rel="alternate"`.

/// At most this many alternate chains are taken from one download; more
/// are left out (Let's Encrypt offers one or two).
pub const MAX_ALTERNATES: usize = 8;

/// The targets of the `rel="alternate"` links in `values` (each a `Link`
/// header's value; a value may hold several links, comma-separated), in
/// order, at most [`MAX_ALTERNATES`], without duplicates. A malformed link
/// is skipped: the default chain never depends on it.
pub fn alternates(values: &[String]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for value in values {
        let mut rest = value.as_str();
        while let Some((target, params, after)) = next_link(rest) {
            rest = after;
            if is_alternate(params) && !found.iter().any(|f| f == target) {
                found.push(target.to_string());
                if found.len() == MAX_ALTERNATES {
                    return found;
                }
            }
        }
    }
    found
}

/// The first link of `text`: its target (between `<` and `>`), its
/// parameters (up to the next comma outside quotes), and the text after.
fn next_link(text: &str) -> Option<(&str, &str, &str)> {
    let start = text.find('<')?;
    let end = start + text[start..].find('>')?;
    let target = &text[start + 1..end];
    let after = &text[end + 1..];
    let mut quoted = false;
    let mut stop = after.len();
    for (i, c) in after.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                stop = i;
                break;
            }
            _ => {}
        }
    }
    let rest = after.get(stop + 1..).unwrap_or("");
    Some((target, &after[..stop], rest))
}

/// Whether `params` (`;rel="alternate"`, `; rel=alternate`, or a
/// space-separated list of relations) names the relation `alternate`.
fn is_alternate(params: &str) -> bool {
    params.split(';').any(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case("alternate"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[&str]) -> Vec<String> {
        alternates(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn alternates_are_the_rel_alternate_targets_in_order() {
        let got = of(&[
            r#"<https://ca.test/dir>;rel="index""#,
            r#"<https://ca.test/cert/1/1>;rel="alternate", <https://ca.test/cert/1/2>; rel=alternate"#,
        ]);
        assert_eq!(
            got,
            ["https://ca.test/cert/1/1", "https://ca.test/cert/1/2"]
        );
    }

    #[test]
    fn relation_lists_and_case_are_understood() {
        assert_eq!(
            of(&[r#"<https://ca.test/a>; REL="up Alternate""#]),
            ["https://ca.test/a"]
        );
        assert!(of(&[r#"<https://ca.test/a>; rel="up""#]).is_empty());
        assert!(of(&[r#"<https://ca.test/a>; title="rel=alternate""#]).is_empty());
    }

    #[test]
    fn a_comma_inside_quotes_does_not_split_links() {
        let got = of(&[r#"<https://ca.test/a>; title="x, y"; rel="alternate""#]);
        assert_eq!(got, ["https://ca.test/a"]);
    }

    #[test]
    fn malformed_links_are_skipped_duplicates_and_excess_dropped() {
        assert!(of(&["rel=alternate", "<unterminated; rel=alternate"]).is_empty());
        let many: Vec<String> = (0..20)
            .map(|i| format!("<https://ca.test/{}>;rel=alternate", i % 10))
            .collect();
        let got = alternates(&many);
        assert_eq!(got.len(), MAX_ALTERNATES);
        assert_eq!(got[1], "https://ca.test/1");
    }
}
