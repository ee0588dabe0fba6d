//! `verify_chain` and `inspect_anchors` (`--verify-with`).

use super::*;

const OTHER_ROOT: &str = include_str!("../../tests/fixtures/other-root.pem");
const ROOT_IMPOSTOR: &str = include_str!("../../tests/fixtures/root-impostor.pem");
const LEAF_BY_LEAF: &str = include_str!("../../tests/fixtures/leaf-by-leaf.pem");
const ROOT_NAME: &str = "O=acmebox test, CN=acmebox Test Root";
const INTER_NAME: &str = "O=acmebox test, CN=acmebox Test Intermediate";

fn verify(chain: &[&str], anchors: &[&str]) -> Result<String, String> {
    verify_chain(&cat(chain), &cat(anchors), now())
}

#[test]
fn a_chain_issued_by_an_anchor_passes() {
    assert_eq!(verify(&[LEAF, INTER], &[ROOT]), Ok(ROOT_NAME.into()));
    // Among other anchors, in any place.
    assert_eq!(
        verify(&[LEAF, INTER], &[OTHER_ROOT, ROOT, IMPOSTOR]),
        Ok(ROOT_NAME.into())
    );
    // The intermediate as the anchor: the walk ends there.
    assert_eq!(verify(&[LEAF, INTER], &[INTER]), Ok(INTER_NAME.into()));
    assert_eq!(verify(&[LEAF], &[INTER]), Ok(INTER_NAME.into()));
}

#[test]
fn a_chain_that_holds_the_anchor_itself_passes() {
    assert_eq!(verify(&[LEAF, INTER, ROOT], &[ROOT]), Ok(ROOT_NAME.into()));
    // Trusted first: the anchor is found before the chain's own copy is
    // looked at, so what follows it does not matter.
    assert_eq!(
        verify(&[LEAF, INTER, OTHER_ROOT], &[ROOT]),
        Ok(ROOT_NAME.into())
    );
}

#[test]
fn a_chain_to_an_unrelated_root_is_refused_naming_its_last_issuer() {
    let e = err(verify(&[LEAF, INTER], &[OTHER_ROOT]));
    assert_eq!(
        e,
        format!(
            "the chain's last certificate (certificate 2, {INTER_NAME}) is issued by \
             {ROOT_NAME}, which is none of the trust anchors"
        )
    );
    let e = err(verify(&[LEAF, INTER, ROOT], &[OTHER_ROOT]));
    assert!(
        e.starts_with("the chain's last certificate (certificate 3, "),
        "{e}"
    );
}

#[test]
fn an_anchor_with_the_issuers_name_and_another_key_is_refused() {
    let e = err(verify(&[LEAF, INTER], &[ROOT_IMPOSTOR]));
    assert!(
        e.ends_with("but not signed by the key of the trust anchor of that name"),
        "{e}"
    );
    // The intermediate's impostor (same name, RSA key) signed a leaf too:
    // an anchor that is the real intermediate does not vouch for it.
    let e = err(verify(&[LEAF_OTHER_CA, IMPOSTOR], &[ROOT]));
    assert!(e.contains("none of the trust anchors"), "{e}");
    let e = err(verify(&[LEAF_OTHER_CA], &[INTER]));
    assert!(
        e.contains("not signed by the key of the trust anchor"),
        "{e}"
    );
}

#[test]
fn a_broken_link_in_the_chain_is_refused() {
    let e = err(verify(&[LEAF, ROOT], &[OTHER_ROOT]));
    assert!(
        e.starts_with("certificate 1 (CN=www.a.test) was issued by"),
        "{e}"
    );
    let e = err(verify(&[LEAF_OTHER_CA, INTER, ROOT], &[ROOT]));
    assert!(e.contains("is not signed by certificate 2"), "{e}");
}

#[test]
fn an_issuer_that_is_no_ca_is_refused() {
    let e = err(verify(&[LEAF_BY_LEAF, LEAF, INTER], &[ROOT]));
    assert_eq!(
        e,
        "certificate 2 (CN=www.a.test) issued certificate 1 but is not a CA (its \
         basicConstraints do not say cA)"
    );
}

#[test]
fn anchors_and_cas_must_be_valid_now() {
    let leaf_only = |now: i64| verify_chain(&cat(&[LEAF]), &cat(&[INTER]), now);
    let e = err(leaf_only(not_after() + 86_400));
    assert!(
        e.starts_with(&format!("trust anchor 1 ({INTER_NAME}) expired at ")),
        "{e}"
    );
    let e = err(leaf_only(0));
    assert!(e.contains("is not valid yet"), "{e}");
    // An intermediate of the chain, too.
    let e = err(verify_chain(
        &cat(&[LEAF, INTER]),
        &cat(&[ROOT]),
        not_after() + 86_400,
    ));
    assert!(e.starts_with("certificate 2 ("), "{e}");
    assert!(e.contains("expired at"), "{e}");
}

#[test]
fn anchors_are_certificates_that_parse() {
    assert_eq!(inspect_anchors(&cat(&[ROOT, OTHER_ROOT, INTER])), Ok(3));
    assert_eq!(
        err(inspect_anchors(b"")),
        "no certificate among the trust anchors"
    );
    let key = err(inspect_anchors(LEAF_KEY.as_bytes()));
    assert!(key.contains("not a certificate"), "{key}");
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let e = err(inspect_anchors(&cat(&[ROOT, garbage])));
    assert!(
        e.starts_with("trust anchor 2 is not a valid X.509 certificate"),
        "{e}"
    );
    let e = err(verify(&[LEAF, INTER], &[ROOT, garbage]));
    assert!(e.starts_with("trust anchor 2"), "{e}");
}
