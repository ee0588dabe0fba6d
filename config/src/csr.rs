//! What a certificate request may ask for beyond its names — lacme's
//! `subject`, `keyUsage` and `tlsfeature` — as `--subject`, `--key-usage`
//! and `--tls-feature` and a domain's `subject`, `key usage` and `tls
//! feature` write it, checked the same way for both (docs/CONFIG.md,
//! README). Only the syntax and the values: the domain-key stage builds the
//! request (components/keys csr.rs), and the host checks what cert-parser
//! reads back from it (host/src/stages/domain_key.rs).

use std::fmt;
use std::str::FromStr;

/// A value of `--subject`, `--key-usage` or `--tls-feature` (or of their
/// directives) that cannot be used. Its `Display` is one line naming the
/// part that is wrong; text from the input is quoted with Rust's escaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsrError {
    /// The subject does not start with `/` (lacme's and openssl's
    /// `/TYPE=VALUE/...`).
    NoLeadingSlash(String),
    /// A part between two `/` has no `=` (or nothing at all, as in `//` or
    /// a `/` at the end).
    NotAnAttribute(String),
    /// An attribute type that is not one of [`AttributeType::ALL`].
    UnknownType(String),
    /// An attribute type given twice.
    RepeatedType(AttributeType),
    /// An attribute with an empty value.
    EmptyValue(AttributeType),
    /// An unescaped `+`: a multi-valued RDN, which acmebox does not make.
    MultiValued(AttributeType),
    /// A `\` at the very end, escaping nothing.
    TrailingBackslash,
    /// A control character in a value.
    ControlCharacter(AttributeType),
    /// A value longer than its type's upper bound (RFC 5280 appendix A).
    TooLong {
        /// The attribute type.
        kind: AttributeType,
        /// Its upper bound, in characters.
        max: usize,
        /// The value's length, in characters.
        len: usize,
    },
    /// A value with a character its ASN.1 string type cannot hold: `C` and
    /// `serialNumber` are PrintableString, `emailAddress` IA5String (ASCII),
    /// `CN` a DNS name.
    BadCharacter {
        /// The attribute type.
        kind: AttributeType,
        /// The character.
        found: char,
    },
    /// `C` that is not two letters (an ISO 3166 code).
    Country(String),
    /// The subject's CN is not one of the certificate's names (a CA would
    /// refuse the request, RFC 8555 §7.4).
    CommonNameNotAName {
        /// The CN.
        cn: String,
        /// The certificate's names.
        names: Vec<String>,
    },
    /// A list (`--key-usage`, `--tls-feature`) with an empty item, or
    /// nothing at all; the list's name.
    EmptyItem(&'static str),
    /// A key usage that is not one of [`KeyUsage::ALL`]'s names.
    UnknownKeyUsage(String),
    /// A key usage given twice.
    RepeatedKeyUsage(KeyUsage),
    /// A TLS feature that is not one of [`TlsFeature::ALL`]'s names.
    UnknownTlsFeature(String),
    /// A TLS feature given twice.
    RepeatedTlsFeature(TlsFeature),
}

impl fmt::Display for CsrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrError::NoLeadingSlash(text) => write!(
                f,
                "{:?} is not /TYPE=VALUE/...: it must start with '/'",
                text.escape_debug().to_string()
            ),
            CsrError::NotAnAttribute(part) => write!(
                f,
                "{:?} is not TYPE=VALUE (between two '/', or after the last)",
                part.escape_debug().to_string()
            ),
            CsrError::UnknownType(kind) => write!(
                f,
                "unknown attribute type {:?} (one of {})",
                kind.escape_debug().to_string(),
                AttributeType::ALL.map(AttributeType::name).join(", ")
            ),
            CsrError::RepeatedType(kind) => {
                write!(f, "{} is given twice (one of each type)", kind.name())
            }
            CsrError::EmptyValue(kind) => write!(f, "{} has an empty value", kind.name()),
            CsrError::MultiValued(kind) => write!(
                f,
                "{}'s value has a '+': multi-valued RDNs are not supported (write \\+ for a \
                 plus sign)",
                kind.name()
            ),
            CsrError::TrailingBackslash => write!(f, "a '\\' at the end escapes nothing"),
            CsrError::ControlCharacter(kind) => {
                write!(f, "{}'s value has a control character", kind.name())
            }
            CsrError::TooLong { kind, max, len } => write!(
                f,
                "{}'s value is {len} characters, more than the {max} RFC 5280 allows",
                kind.name()
            ),
            CsrError::BadCharacter { kind, found } => write!(
                f,
                "{}'s value has {:?}, which {}",
                kind.name(),
                found,
                match kind {
                    AttributeType::CommonName => "a DNS name cannot hold",
                    AttributeType::EmailAddress => "is not ASCII (IA5String)",
                    _ => "a PrintableString cannot hold",
                }
            ),
            CsrError::Country(value) => write!(
                f,
                "C={:?} is not a country: two letters (ISO 3166), such as DE",
                value.escape_debug().to_string()
            ),
            CsrError::CommonNameNotAName { cn, names } => write!(
                f,
                "CN={:?} is not one of the certificate's names ({}): a CA takes a CN only \
                 when it is one of them",
                cn.escape_debug().to_string(),
                names.join(", ")
            ),
            CsrError::EmptyItem(list) => write!(f, "an empty item in the {list} list"),
            CsrError::UnknownKeyUsage(name) => write!(
                f,
                "unknown key usage {:?} (one of {})",
                name.escape_debug().to_string(),
                KeyUsage::ALL.map(KeyUsage::name).join(", ")
            ),
            CsrError::RepeatedKeyUsage(usage) => write!(f, "{} is given twice", usage.name()),
            CsrError::UnknownTlsFeature(name) => write!(
                f,
                "unknown TLS feature {:?} (one of {})",
                name.escape_debug().to_string(),
                TlsFeature::ALL.map(TlsFeature::name).join(", ")
            ),
            CsrError::RepeatedTlsFeature(feature) => {
                write!(f, "{} is given twice", feature.name())
            }
        }
    }
}

impl std::error::Error for CsrError {}

/// An attribute type of a request's subject: those lacme's and openssl's
/// users write (x509v3_config, RFC 5280 §4.1.2.4, PKCS #9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeType {
    /// `CN`, commonName (2.5.4.3): must be one of the certificate's names.
    CommonName,
    /// `O`, organizationName (2.5.4.10).
    Organization,
    /// `OU`, organizationalUnitName (2.5.4.11).
    OrganizationalUnit,
    /// `C`, countryName (2.5.4.6): two letters.
    Country,
    /// `ST`, stateOrProvinceName (2.5.4.8).
    StateOrProvince,
    /// `L`, localityName (2.5.4.7).
    Locality,
    /// `emailAddress` (PKCS #9, 1.2.840.113549.1.9.1).
    EmailAddress,
    /// `serialNumber` (2.5.4.5): the subject's, not the certificate's.
    SerialNumber,
}

impl AttributeType {
    /// Every type, in the order their names are listed in errors.
    pub const ALL: [AttributeType; 8] = [
        AttributeType::CommonName,
        AttributeType::Organization,
        AttributeType::OrganizationalUnit,
        AttributeType::Country,
        AttributeType::StateOrProvince,
        AttributeType::Locality,
        AttributeType::EmailAddress,
        AttributeType::SerialNumber,
    ];

    /// The name written in a subject (openssl's short name).
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::CommonName => "CN",
            AttributeType::Organization => "O",
            AttributeType::OrganizationalUnit => "OU",
            AttributeType::Country => "C",
            AttributeType::StateOrProvince => "ST",
            AttributeType::Locality => "L",
            AttributeType::EmailAddress => "emailAddress",
            AttributeType::SerialNumber => "serialNumber",
        }
    }

    /// The type's OID, dotted.
    pub fn oid(self) -> &'static str {
        match self {
            AttributeType::CommonName => "2.5.4.3",
            AttributeType::Organization => "2.5.4.10",
            AttributeType::OrganizationalUnit => "2.5.4.11",
            AttributeType::Country => "2.5.4.6",
            AttributeType::StateOrProvince => "2.5.4.8",
            AttributeType::Locality => "2.5.4.7",
            AttributeType::EmailAddress => "1.2.840.113549.1.9.1",
            AttributeType::SerialNumber => "2.5.4.5",
        }
    }

    /// The longest value, in characters: RFC 5280 appendix A's upper bounds
    /// (ub-common-name and so on; ub-emailaddress-length for emailAddress),
    /// 2 for a country.
    pub fn max_len(self) -> usize {
        match self {
            AttributeType::CommonName
            | AttributeType::Organization
            | AttributeType::OrganizationalUnit
            | AttributeType::SerialNumber => 64,
            AttributeType::Country => 2,
            AttributeType::StateOrProvince | AttributeType::Locality => 128,
            AttributeType::EmailAddress => 255,
        }
    }

    /// The type named `name` (case as written: `CN`, `emailAddress`).
    pub fn from_name(name: &str) -> Option<AttributeType> {
        AttributeType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One attribute of a subject: its type and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The type.
    pub kind: AttributeType,
    /// The value, escapes resolved.
    pub value: String,
}

/// A request's subject as `--subject "/CN=example.com/O=Example Org/C=DE"`
/// writes it: attributes in order, each type at most once, each its own RDN
/// (RFC 5280 §4.1.2.4). `\` escapes the next character (`\/` for a slash
/// in a value, `\+`, `\\`); `/` alone is the empty subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    attributes: Vec<Attribute>,
}

/// PrintableString's characters (X.680 §41.4): letters, digits, space and
/// `'()+,-./:=?`.
fn printable(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

impl Subject {
    /// The attributes, in order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The value of the CN, if there is one.
    pub fn common_name(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.kind == AttributeType::CommonName)
            .map(|a| a.value.as_str())
    }

    /// Checks that the CN, if any, is one of `names` (without case).
    pub fn check_names(&self, names: &[String]) -> Result<(), CsrError> {
        match self.common_name() {
            Some(cn) if !names.iter().any(|n| n.eq_ignore_ascii_case(cn)) => {
                Err(CsrError::CommonNameNotAName {
                    cn: cn.to_string(),
                    names: names.to_vec(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks one attribute's value.
    fn check(kind: AttributeType, value: &str) -> Result<(), CsrError> {
        if value.is_empty() {
            return Err(CsrError::EmptyValue(kind));
        }
        if value.chars().any(char::is_control) {
            return Err(CsrError::ControlCharacter(kind));
        }
        let len = value.chars().count();
        if kind == AttributeType::Country {
            if len != 2 || !value.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(CsrError::Country(value.to_string()));
            }
            return Ok(());
        }
        if len > kind.max_len() {
            return Err(CsrError::TooLong {
                kind,
                max: kind.max_len(),
                len,
            });
        }
        let allowed: fn(char) -> bool = match kind {
            AttributeType::SerialNumber => printable,
            AttributeType::EmailAddress => |c: char| c.is_ascii(),
            // A certificate name: letters, digits, '-', '.', and a
            // wildcard's '*'; whether it is one of them, check_names says.
            AttributeType::CommonName => |c: char| c.is_ascii_alphanumeric() || "-.*".contains(c),
            _ => |_| true,
        };
        match value.chars().find(|&c| !allowed(c)) {
            Some(found) => Err(CsrError::BadCharacter { kind, found }),
            None => Ok(()),
        }
    }
}

impl FromStr for Subject {
    type Err = CsrError;

    /// Reads `/TYPE=VALUE/TYPE=VALUE...`.
    fn from_str(text: &str) -> Result<Subject, CsrError> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(CsrError::NoLeadingSlash(text.to_string()));
        };
        let mut attributes: Vec<Attribute> = Vec::new();
        if rest.is_empty() {
            return Ok(Subject { attributes });
        }
        // Each part as written (for errors) and with its escapes resolved;
        // an unescaped '+' is remembered.
        let mut parts: Vec<(String, String, bool)> = vec![Default::default()];
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            let (raw, value, plus) = parts.last_mut().expect("never empty");
            match c {
                '\\' => {
                    let escaped = chars.next().ok_or(CsrError::TrailingBackslash)?;
                    raw.push(c);
                    raw.push(escaped);
                    value.push(escaped);
                }
                '/' => parts.push(Default::default()),
                _ => {
                    *plus |= c == '+';
                    raw.push(c);
                    value.push(c);
                }
            }
        }
        for (raw, value, plus) in parts {
            // The type is what comes before the first '=' as written: an
            // escaped '=' belongs to no type name.
            let Some((name, _)) = raw.split_once('=') else {
                return Err(CsrError::NotAnAttribute(raw));
            };
            if name.contains('\\') {
                return Err(CsrError::UnknownType(name.to_string()));
            }
            let kind = AttributeType::from_name(name)
                .ok_or_else(|| CsrError::UnknownType(name.to_string()))?;
            let value = value[name.len() + 1..].to_string();
            // The type's name has no '+' (it is known): the '+' is the value's.
            if plus {
                return Err(CsrError::MultiValued(kind));
            }
            if attributes.iter().any(|a| a.kind == kind) {
                return Err(CsrError::RepeatedType(kind));
            }
            Subject::check(kind, &value)?;
            attributes.push(Attribute { kind, value });
        }
        Ok(Subject { attributes })
    }
}

impl fmt::Display for Subject {
    /// As written, `/`, `+` and `\` in values escaped: it reads back as the
    /// same subject.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attributes.is_empty() {
            return f.write_str("/");
        }
        for a in &self.attributes {
            write!(f, "/{}=", a.kind.name())?;
            for c in a.value.chars() {
                if "/+\\".contains(c) {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// A key usage (RFC 5280 §4.2.1.3), named as in x509v3_config(5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyUsage {
    /// digitalSignature (0).
    DigitalSignature,
    /// nonRepudiation, contentCommitment (1).
    NonRepudiation,
    /// keyEncipherment (2).
    KeyEncipherment,
    /// dataEncipherment (3).
    DataEncipherment,
    /// keyAgreement (4).
    KeyAgreement,
    /// keyCertSign (5).
    KeyCertSign,
    /// cRLSign (6).
    CrlSign,
    /// encipherOnly (7).
    EncipherOnly,
    /// decipherOnly (8).
    DecipherOnly,
}

impl KeyUsage {
    /// Every key usage, in the order of their bits.
    pub const ALL: [KeyUsage; 9] = [
        KeyUsage::DigitalSignature,
        KeyUsage::NonRepudiation,
        KeyUsage::KeyEncipherment,
        KeyUsage::DataEncipherment,
        KeyUsage::KeyAgreement,
        KeyUsage::KeyCertSign,
        KeyUsage::CrlSign,
        KeyUsage::EncipherOnly,
        KeyUsage::DecipherOnly,
    ];

    /// The name in x509v3_config(5).
    pub fn name(self) -> &'static str {
        match self {
            KeyUsage::DigitalSignature => "digitalSignature",
            KeyUsage::NonRepudiation => "nonRepudiation",
            KeyUsage::KeyEncipherment => "keyEncipherment",
            KeyUsage::DataEncipherment => "dataEncipherment",
            KeyUsage::KeyAgreement => "keyAgreement",
            KeyUsage::KeyCertSign => "keyCertSign",
            KeyUsage::CrlSign => "cRLSign",
            KeyUsage::EncipherOnly => "encipherOnly",
            KeyUsage::DecipherOnly => "decipherOnly",
        }
    }

    /// Its bit in the KeyUsage BIT STRING, 0 to 8 (RFC 5280 §4.2.1.3).
    pub fn bit(self) -> u8 {
        self as u8
    }
}

/// A TLS feature (RFC 7633) by its TLS extension's name (x509v3_config's
/// `tlsfeature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsFeature {
    /// status_request (5, RFC 6066 §8): OCSP must-staple, what `-O` asks.
    StatusRequest,
    /// status_request_v2 (17, RFC 6961).
    StatusRequestV2,
}

impl TlsFeature {
    /// Every feature, by number.
    pub const ALL: [TlsFeature; 2] = [TlsFeature::StatusRequest, TlsFeature::StatusRequestV2];

    /// The TLS extension's name.
    pub fn name(self) -> &'static str {
        match self {
            TlsFeature::StatusRequest => "status_request",
            TlsFeature::StatusRequestV2 => "status_request_v2",
        }
    }

    /// The TLS extension's number, as the TLS Feature extension lists it.
    pub fn number(self) -> u16 {
        match self {
            TlsFeature::StatusRequest => 5,
            TlsFeature::StatusRequestV2 => 17,
        }
    }
}

/// A comma-separated list of names, each of `all` once (spaces around
/// items ignored), sorted as `all` is.
fn list<T: Copy + Ord>(
    text: &str,
    what: &'static str,
    all: &[T],
    name: fn(T) -> &'static str,
    unknown: fn(String) -> CsrError,
    repeated: fn(T) -> CsrError,
) -> Result<Vec<T>, CsrError> {
    let mut out: Vec<T> = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(CsrError::EmptyItem(what));
        }
        let found = all
            .iter()
            .copied()
            .find(|&t| name(t) == item)
            .ok_or_else(|| unknown(item.to_string()))?;
        if out.contains(&found) {
            return Err(repeated(found));
        }
        out.push(found);
    }
    out.sort();
    Ok(out)
}

/// Key usages as `--key-usage digitalSignature,keyEncipherment` lists
/// them: each once, at least one; in bit order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsages(Vec<KeyUsage>);

impl KeyUsages {
    /// The usages, in bit order.
    pub fn usages(&self) -> &[KeyUsage] {
        &self.0
    }
}

impl FromStr for KeyUsages {
    type Err = CsrError;

    fn from_str(text: &str) -> Result<KeyUsages, CsrError> {
        list(
            text,
            "key usage",
            &KeyUsage::ALL,
            KeyUsage::name,
            CsrError::UnknownKeyUsage,
            CsrError::RepeatedKeyUsage,
        )
        .map(KeyUsages)
    }
}

impl fmt::Display for KeyUsages {
    /// `digitalSignature,keyEncipherment`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|u| u.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// TLS features as `--tls-feature status_request,status_request_v2` lists
/// them: each once; in number order. `-O` adds status_request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFeatures(Vec<TlsFeature>);

impl TlsFeatures {
    /// The features, by number.
    pub fn features(&self) -> &[TlsFeature] {
        &self.0
    }

    /// These and `feature`, which is not repeated when already there.
    pub fn with(mut self, feature: TlsFeature) -> TlsFeatures {
        if !self.0.contains(&feature) {
            self.0.push(feature);
            self.0.sort();
        }
        self
    }
}

impl FromStr for TlsFeatures {
    type Err = CsrError;

    fn from_str(text: &str) -> Result<TlsFeatures, CsrError> {
        list(
            text,
            "TLS feature",
            &TlsFeature::ALL,
            TlsFeature::name,
            CsrError::UnknownTlsFeature,
            CsrError::RepeatedTlsFeature,
        )
        .map(TlsFeatures)
    }
}

impl fmt::Display for TlsFeatures {
    /// `status_request,status_request_v2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|t| t.name()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(text: &str) -> Subject {
        text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn refused(text: &str) -> String {
        match text.parse::<Subject>() {
            Ok(s) => panic!("{text:?} accepted as {s:?}"),
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains('\n'), "{message:?}");
                message
            }
        }
    }

    #[test]
    fn a_subject_is_its_attributes_in_order() {
        let s = subject("/CN=example.com/O=Example Org/C=DE");
        let got: Vec<(&str, &str)> = s
            .attributes()
            .iter()
            .map(|a| (a.kind.name(), a.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [("CN", "example.com"), ("O", "Example Org"), ("C", "DE")]
        );
        assert_eq!(s.common_name(), Some("example.com"));
        let all =
            subject("/OU=Web/ST=Bayern/L=München/emailAddress=a@example.com/serialNumber=42/O=x");
        assert_eq!(all.attributes().len(), 6);
        assert_eq!(all.common_name(), None);
        assert_eq!(subject("/").attributes(), []);
    }

    #[test]
    fn backslash_escapes_the_next_character() {
        let s = subject(r"/O=A\/B \+ C\\D=E");
        assert_eq!(s.attributes()[0].value, r"A/B + C\D=E");
        assert_eq!(s.to_string(), r"/O=A\/B \+ C\\D=E");
        assert_eq!(subject(&s.to_string()), s);
        assert!(refused(r"/O=a\").contains("escapes nothing"));
    }

    #[test]
    fn bad_subjects_say_what_is_wrong() {
        for (text, needle) in [
            ("CN=example.com", "must start with '/'"),
            ("", "must start with '/'"),
            ("/CN=example.com/", "is not TYPE=VALUE"),
            ("//O=x", "is not TYPE=VALUE"),
            ("/O", "is not TYPE=VALUE"),
            ("/DC=example", "unknown attribute type \"DC\""),
            ("/cn=example.com", "unknown attribute type \"cn\""),
            ("/O=a/O=b", "O is given twice"),
            ("/O=", "O has an empty value"),
            ("/O=a+CN=b", "multi-valued RDNs"),
            (r"/O=a\\+b", "multi-valued RDNs"),
            ("/C=DEU", "C=\"DEU\" is not a country"),
            ("/C=D1", "is not a country"),
            ("/O=a\tb", "control character"),
            ("/serialNumber=a@b", "PrintableString"),
            ("/emailAddress=ä@example.com", "not ASCII"),
            ("/CN=a b", "DNS name"),
        ] {
            let message = refused(text);
            assert!(message.contains(needle), "{text:?}: {message}");
        }
        let long = format!("/O={}", "x".repeat(65));
        assert!(refused(&long).contains("65 characters, more than the 64"));
        subject(&format!("/O={}", "x".repeat(64)));
        subject(&format!("/L={}", "ü".repeat(128)));
    }

    #[test]
    fn the_common_name_must_be_a_name() {
        let names = vec!["example.com".to_string(), "www.example.com".to_string()];
        subject("/CN=WWW.example.com/O=x")
            .check_names(&names)
            .expect("a name, without case");
        subject("/O=x").check_names(&names).expect("no CN");
        let e = subject("/CN=other.example")
            .check_names(&names)
            .expect_err("not a name");
        assert!(
            e.to_string().contains("CN=\"other.example\" is not one of"),
            "{e}"
        );
    }

    #[test]
    fn key_usages_are_x509v3_config_names_each_once() {
        let u: KeyUsages = "keyEncipherment, digitalSignature".parse().expect("parse");
        assert_eq!(
            u.usages(),
            [KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        );
        assert_eq!(u.to_string(), "digitalSignature,keyEncipherment");
        let all: Vec<&str> = KeyUsage::ALL.iter().map(|u| u.name()).collect();
        let every: KeyUsages = all.join(",").parse().expect("all");
        assert_eq!(every.usages(), KeyUsage::ALL);
        assert_eq!(KeyUsage::DecipherOnly.bit(), 8);
        for (text, needle) in [
            ("", "empty item"),
            ("digitalSignature,", "empty item"),
            ("DigitalSignature", "unknown key usage"),
            ("serverAuth", "unknown key usage"),
            ("cRLSign,cRLSign", "cRLSign is given twice"),
        ] {
            let e = text.parse::<KeyUsages>().expect_err(text).to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn tls_features_are_two_names_and_o_adds_without_repeating() {
        let t: TlsFeatures = "status_request_v2,status_request".parse().expect("parse");
        assert_eq!(t.features(), TlsFeature::ALL);
        assert_eq!(t.to_string(), "status_request,status_request_v2");
        let o = TlsFeatures::default().with(TlsFeature::StatusRequest);
        assert_eq!(o.features(), [TlsFeature::StatusRequest]);
        assert_eq!(o.clone().with(TlsFeature::StatusRequest), o);
        for (text, needle) in [
            ("", "empty item"),
            ("status_request,status_request", "given twice"),
            ("5", "unknown TLS feature"),
            ("must-staple", "unknown TLS feature"),
        ] {
            let e = text.parse::<TlsFeatures>().expect_err(text).to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}
