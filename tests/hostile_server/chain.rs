//! Certificate chains no CA should send, made with rcgen.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A leaf for `names` and `leaf_key`, issued by CA "A", followed by A's certificate issued by
/// CA "B" and B's certificate issued by A: every certificate is issued and signed by the next,
/// and the last one's issuer is the second, so a walk up the issuers never ends. PEM, leaf
/// first, as a CA would send it (RFC 8555 §7.4.2). Valid from an hour ago for 30 days.
pub fn looping(names: &[String], leaf_key: &KeyPair) -> Vec<u8> {
    let a_key = KeyPair::generate().expect("CA A's key");
    let b_key = KeyPair::generate().expect("CA B's key");
    let a = ca("acmebox test loop CA A");
    let b = ca("acmebox test loop CA B");
    let a_by_b = a
        .signed_by(&a_key, &Issuer::from_params(&b, &b_key))
        .expect("A issued by B");
    let b_by_a = b
        .signed_by(&b_key, &Issuer::from_params(&a, &a_key))
        .expect("B issued by A");
    let mut leaf = CertificateParams::new(names.to_vec()).expect("leaf names");
    leaf.distinguished_name
        .push(DnType::CommonName, names[0].as_str());
    leaf.is_ca = IsCa::ExplicitNoCa;
    valid_now(&mut leaf);
    let leaf = leaf
        .signed_by(leaf_key, &Issuer::from_params(&a, &a_key))
        .expect("the leaf issued by A");
    [leaf.pem(), a_by_b.pem(), b_by_a.pem()]
        .concat()
        .into_bytes()
}

/// The parameters of a CA certificate named `name`.
fn ca(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    valid_now(&mut params);
    params
}

/// From an hour ago for 30 days: acmebox refuses a certificate not yet valid, and one valid
/// for more than ten years (rcgen's default runs to 4096).
fn valid_now(params: &mut CertificateParams) {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970");
    let epoch = date_time_ymd(1970, 1, 1);
    params.not_before = epoch + (since_epoch - Duration::from_secs(3600));
    params.not_after = epoch + (since_epoch + Duration::from_secs(30 * 24 * 3600));
}
