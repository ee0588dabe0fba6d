//! `check`: a chain for the run's key and names, at a time.

use super::*;

#[test]
fn check_accepts_good_chain() {
    let requested = ["B.TEST", "www.a.test", "a.test", "A.test"];
    let info = check(&cat(&[LEAF, INTER]), &requested, LEAF_SPKI, now()).expect("check");
    assert_eq!(info.names, NAMES);
    assert_eq!(info.chain_pem, INTER);
    assert_eq!(info.spki, LEAF_SPKI);
    assert!(info.chain_linked);
    // With the root too, and with RSA signatures (the impostor's chain).
    check(&cat(&[LEAF, INTER, ROOT]), &NAMES, LEAF_SPKI, now()).expect("with root");
    check(&cat(&[LEAF_OTHER_CA, IMPOSTOR]), &NAMES, LEAF_SPKI, now()).expect("rsa");
}

#[test]
fn check_rejects_a_looping_chain() {
    // A issued by B, B issued by A: every pair links and verifies.
    assert_eq!(
        err(check(
            &cat(&[LEAF_LOOP, LOOP_A, LOOP_B]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 3 (O=acmebox test, CN=acmebox Loop B) is issued by certificate 2 \
         (O=acmebox test, CN=acmebox Loop A), which comes before it: the chain loops"
    );
    // Round and round: a subject comes again.
    let again = cat(&[LEAF_LOOP, LOOP_A, LOOP_B, LOOP_A]);
    assert!(err(check(&again, &NAMES, LEAF_SPKI, now())).ends_with("the chain loops"));
    // The pairs alone are fine: the leaf under A, then A (its issuer outside).
    check(&cat(&[LEAF_LOOP, LOOP_A]), &NAMES, LEAF_SPKI, now()).expect("no loop");
}

#[test]
fn check_rejects_other_key() {
    assert_eq!(
        err(check(&cat(&[LEAF, INTER]), &NAMES, OTHER_SPKI, now())),
        "leaf public key is not the domain key: the certificate was issued for another key pair"
    );
}

#[test]
fn check_rejects_other_names() {
    assert_eq!(
        err(check(
            &cat(&[LEAF_OTHER_NAMES, INTER]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate names [c.test] differ from the requested [a.test, b.test, www.a.test] \
         (missing [a.test, b.test, www.a.test]; not requested [c.test])"
    );
    assert_eq!(
        err(check(
            &cat(&[LEAF, INTER]),
            &["a.test", "c.test"],
            LEAF_SPKI,
            now()
        )),
        "certificate names [a.test, b.test, www.a.test] differ from the requested \
         [a.test, c.test] (missing [c.test]; not requested [b.test, www.a.test])"
    );
}

#[test]
fn check_rejects_outside_validity() {
    let chain = cat(&[LEAF, INTER]);
    let after = not_after();
    check(&chain, &NAMES, LEAF_SPKI, after).expect("last valid second");
    let e = err(check(&chain, &NAMES, LEAF_SPKI, after + 1));
    assert_eq!(
        e,
        format!(
            "the leaf certificate (CN=www.a.test) expired at {}, and now is {}",
            utc(after),
            utc(after + 1)
        )
    );
    let e = err(check(&chain, &NAMES, LEAF_SPKI, 0));
    assert!(
        e.starts_with("the leaf certificate (CN=www.a.test) is not valid yet"),
        "{e}"
    );
    assert!(e.ends_with("and now is 1970-01-01T00:00:00Z (check the system clock)"));
}

#[test]
fn check_requires_an_issuer() {
    assert_eq!(
        err(check(LEAF.as_bytes(), &NAMES, LEAF_SPKI, now())),
        "the chain has only the leaf certificate: the issuer (intermediate) certificates \
         are missing"
    );
}

#[test]
fn check_rejects_wrong_signer() {
    // Same issuer name, different key.
    assert_eq!(
        err(check(
            &cat(&[LEAF_OTHER_CA, INTER]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 1 (CN=www.a.test) is not signed by certificate 2 \
         (O=acmebox test, CN=acmebox Test Intermediate)"
    );
    assert_eq!(
        err(check(&cat(&[LEAF, IMPOSTOR]), &NAMES, LEAF_SPKI, now())),
        "certificate 1 (CN=www.a.test) is not signed by certificate 2 \
         (O=acmebox test, CN=acmebox Test Intermediate): its signature algorithm \
         ecdsa-with-SHA256 cannot be verified with certificate 2's RSA key"
    );
    // Intermediate followed by the wrong "root".
    assert_eq!(
        err(check(
            &cat(&[LEAF, INTER, IMPOSTOR]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 2 (O=acmebox test, CN=acmebox Test Intermediate) was issued by \
         O=acmebox test, CN=acmebox Test Root, but certificate 3 is O=acmebox test, \
         CN=acmebox Test Intermediate: the chain is out of order or incomplete"
    );
}

#[test]
fn check_rejects_out_of_order_chain() {
    let e = err(check(&cat(&[LEAF, ROOT, INTER]), &NAMES, LEAF_SPKI, now()));
    assert!(
        e.starts_with("certificate 1 (CN=www.a.test) was issued by O=acmebox test, CN=acmebox Test Intermediate, but certificate 2 is O=acmebox test, CN=acmebox Test Root"),
        "{e}"
    );
}

#[test]
fn check_parses_before_checking() {
    assert_eq!(
        err(check(&cat(&[LEAF, LEAF_KEY]), &NAMES, LEAF_SPKI, now())),
        "PEM block 2 is \"PRIVATE KEY\", expected CERTIFICATE"
    );
}
