//! The ACME conversation (RFC 8555 §7): directory, nonces, signed POSTs and
//! the objects the host asks for. Transport and signer are parameters so
//! this runs in unit tests without a network or an account stage.

use serde::de::DeserializeOwned;

use crate::http::{Method, Reply, Request, Transport};
use crate::jws::{self, KeyRef};
use crate::origin::Origin;
use crate::retry::{self, Failure};
use crate::types::{self, Directory, Identifier, Problem, ACCOUNT_DOES_NOT_EXIST, BAD_NONCE};

/// How often a request rejected with badNonce is sent again (§6.5), each
/// time with the nonce that came with the rejection. A CA rejecting half of
/// all nonces (pebble's PEBBLE_WFE_NONCEREJECT=50) then fails a request once
/// in 2^16, an issuance of about ten requests once in 6500; one rejecting
/// every nonce costs 16 requests per call, and the host does not retry it
/// again (flows/retry.rs: a 400 is `never`).
const BAD_NONCE_RETRIES: usize = 15;
/// Accept header for the certificate download (§7.4.2).
const PEM_CHAIN: &str = "application/pem-certificate-chain";

/// The account key as the signer describes it.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub alg: String,
    pub jwk: String,
}

/// The imported signer, and the imported `external-account` (the same
/// account stage, holding the MAC key of an external account binding).
pub trait Signer {
    fn public_key(&self) -> Result<PublicKey, String>;
    fn sign(&self, input: &str) -> Result<String, String>;
    /// HS256 over `input` with the external account MAC key (§7.3.4).
    fn external_account_mac(&self, input: &str) -> Result<String, String>;
    /// The new key of a key rollover (§7.3.5).
    fn rollover_public_key(&self) -> Result<PublicKey, String>;
    /// A signature by the new key of a key rollover.
    fn rollover_sign(&self, input: &str) -> Result<String, String>;
}

/// An order as returned to the host; `error` is the problem document as one
/// cleaned line (`type: detail (identifier: type: detail)...`).
#[derive(Debug, PartialEq)]
pub struct Order {
    pub url: String,
    pub status: String,
    pub authorizations: Vec<String>,
    pub finalize: String,
    pub certificate: Option<String>,
    pub error: Option<String>,
    /// The response's Retry-After in seconds from now (§7.4: when to poll
    /// a processing order again).
    pub retry_after: Option<u64>,
}

/// A challenge as returned to the host.
#[derive(Debug, PartialEq)]
pub struct Challenge {
    pub kind: String,
    pub url: String,
    pub token: String,
    pub status: String,
}

/// An authorization as returned to the host; `error` is the problem of the
/// first challenge that carries one (§7.1.5), as one cleaned line.
#[derive(Debug, PartialEq)]
pub struct Authorization {
    pub url: String,
    pub identifier: String,
    /// For `*.<identifier>` (§7.1.4).
    pub wildcard: bool,
    pub status: String,
    pub challenges: Vec<Challenge>,
    pub error: Option<String>,
    /// The response's Retry-After in seconds from now (§8.2: when to poll
    /// a pending authorization again).
    pub retry_after: Option<u64>,
}

/// An account as returned to the host (§7.1.2): the strings as the server
/// wrote them; the URLs checked against the directory's origin.
#[derive(Debug, PartialEq)]
pub struct AccountInfo {
    /// The account URL, the `kid` (§7.3).
    pub url: String,
    pub status: String,
    pub contact: Vec<String>,
    /// The orders list URL (§7.1.2.1), when the server gives one.
    pub orders: Option<String>,
}

/// What [`Session::find_account`] found.
#[derive(Debug, PartialEq)]
pub struct Found {
    pub account: AccountInfo,
    /// Created by this request (201 Created, §7.3), not found (200).
    pub created: bool,
}

/// A certificate download (RFC 8555 §7.4.2): the chain as served, and the
/// URLs of the alternate chains its Link headers offer (not yet checked
/// against the origin: the host checks the one it asks for).
pub struct Downloaded {
    /// The PEM chain, as served.
    pub pem: Vec<u8>,
    /// `rel="alternate"` targets, at most [`crate::link::MAX_ALTERNATES`].
    pub alternates: Vec<String>,
}

/// One ACME session with one server.
pub struct Session<T: Transport, S: Signer> {
    transport: T,
    signer: S,
    origin: Origin,
    dir: Directory,
    nonce: Option<String>,
    key: Option<PublicKey>,
    /// The account URL, the `kid` of every later request (§7.3).
    kid: Option<String>,
    /// The contact URLs sent when registering (§7.3).
    pub contact: Vec<String>,
    /// The profile each new order asks for ([`Session::use_profile`]).
    profile: Option<String>,
    /// The external account binding's key identifier (§7.3.4), sent with a
    /// registration; its MAC comes from [`Signer::external_account_mac`].
    pub external_account_kid: Option<String>,
    /// (finalize URL, order URL) of every order seen, so that `finalize`
    /// can name the order even when the response has no Location header.
    orders: Vec<(String, String)>,
}

/// At most this many of the directory's profiles are named in an error.
const MAX_LISTED_PROFILES: usize = 16;

/// Server text for an error line: control characters escaped, at most
/// 100 characters.
fn shown(text: &str) -> String {
    let short: String = text.chars().take(100).collect();
    format!("{:?}", short)
}

impl<T: Transport, S: Signer> Session<T, S> {
    /// Fetch the directory (§7.1.1) and a first nonce (§7.2).
    pub fn open(transport: T, signer: S, directory_url: &str) -> Result<Self, Failure> {
        let origin = Origin::parse(directory_url)?;
        let reply = fetch(&transport, "directory", Method::Get, directory_url)?;
        expect_ok("directory", directory_url, &reply)?;
        let dir: Directory = parse("directory", &reply.body)?;
        for url in [&dir.new_nonce, &dir.new_account, &dir.new_order]
            .into_iter()
            .chain(&dir.revoke_cert)
        {
            origin.check(url, "the server")?;
        }
        let mut session = Session {
            transport,
            signer,
            origin,
            dir,
            nonce: None,
            key: None,
            kid: None,
            contact: Vec::new(),
            profile: None,
            external_account_kid: None,
            orders: Vec::new(),
        };
        session.nonce = Some(session.fresh_nonce()?);
        Ok(session)
    }

    /// The directory's terms of service URL (§7.1.1), if it names one.
    pub fn terms_of_service(&self) -> Option<String> {
        self.dir.meta.terms_of_service.clone()
    }

    /// The directory as fetched by [`Session::open`].
    pub fn directory(&self) -> &Directory {
        &self.dir
    }

    /// Find or create the account (§7.3, §7.3.1), agreeing to the terms.
    /// When the directory requires external account binding and none was
    /// given, only an existing account is looked for (`onlyReturnExisting`):
    /// a key already registered needs no binding, and without an account
    /// the error says what is needed before any registration is attempted.
    pub fn account(&mut self) -> Result<String, Failure> {
        if self.binding_missing() {
            return match self.find_account(false)? {
                Some(found) => Ok(found.account.url),
                None => Err(crate::eab::required().into()),
            };
        }
        let payload = self.new_account(true, self.contact.clone())?;
        let url = self.dir.new_account.clone();
        let reply = self.post("newAccount", &url, &payload, None)?;
        let kid = self.location("newAccount", &reply)?;
        self.kid = Some(kid.clone());
        Ok(kid)
    }

    /// The signer's account (`acmebox account`): without `register`,
    /// newAccount with `onlyReturnExisting` (§7.3.1), and `None` when the
    /// server answers accountDoesNotExist; with it, newAccount agreeing to
    /// the terms with the session's contact (§7.3), which finds the account
    /// or creates it. The account object is the response's body, or, when
    /// the server sends none, a POST-as-GET of the account URL (§7.3.3).
    /// Later requests are signed with its URL, as after [`Session::account`].
    pub fn find_account(&mut self, register: bool) -> Result<Option<Found>, Failure> {
        let what = "newAccount";
        if register && self.binding_missing() {
            // Registering without the binding the server requires: find an
            // existing account instead, and say what is needed without one.
            return match self.find_account(false)? {
                Some(found) => Ok(Some(found)),
                None => Err(crate::eab::required().into()),
            };
        }
        let contact = if register {
            self.contact.clone()
        } else {
            Vec::new()
        };
        let payload = self.new_account(register, contact)?;
        let url = self.dir.new_account.clone();
        let reply = self.post_any(what, &url, &payload, None)?;
        if !(200..300).contains(&reply.status) {
            let absent =
                Problem::parse(&reply.body).is_some_and(|p| p.kind == ACCOUNT_DOES_NOT_EXIST);
            if absent && !register {
                return Ok(None);
            }
            return Err(refusal(what, &url, &reply));
        }
        let kid = self.location(what, &reply)?;
        self.kid = Some(kid.clone());
        let account = if reply.body.iter().all(u8::is_ascii_whitespace) {
            let fetched = self.post("account", &kid, "", None)?;
            self.account_object("account", kid, &fetched.body)?
        } else {
            self.account_object(what, kid, &reply.body)?
        };
        Ok(Some(Found {
            account,
            created: reply.status == 201,
        }))
    }

    /// The directory requires external account binding (§7.3.4) and none
    /// was given.
    fn binding_missing(&self) -> bool {
        self.dir.meta.external_account_required && self.external_account_kid.is_none()
    }

    /// A newAccount payload (§7.3): registering (agreeing to the terms,
    /// with `contact` and, when a key identifier was given, the external
    /// account binding of §7.3.4) or only finding the key's account
    /// (§7.3.1).
    fn new_account(&mut self, register: bool, contact: Vec<String>) -> Result<String, Failure> {
        let binding = match (self.external_account_kid.clone(), register) {
            (Some(kid), true) => {
                let jwk = self.public_key()?.jwk;
                let url = &self.dir.new_account;
                let signer = &self.signer;
                Some(crate::eab::binding(&kid, url, &jwk, |input| {
                    signer.external_account_mac(input)
                })?)
            }
            _ => None,
        };
        Ok(to_json(&types::NewAccount {
            terms_of_service_agreed: register,
            contact,
            only_return_existing: !register,
            external_account_binding: binding,
        })?)
    }

    /// Replace the account's contact URLs (§7.3.2); the updated account.
    pub fn update_account(&mut self, contact: &[String]) -> Result<AccountInfo, Failure> {
        self.post_account(
            "account update",
            &types::AccountUpdate {
                contact: Some(contact.to_vec()),
                status: None,
            },
        )
    }

    /// Deactivate the account (§7.3.6); the account as the server then
    /// describes it.
    pub fn deactivate_account(&mut self) -> Result<AccountInfo, Failure> {
        self.post_account(
            "account deactivation",
            &types::AccountUpdate {
                contact: None,
                status: Some("deactivated"),
            },
        )
    }

    /// POST `update` to the account URL found by [`Session::find_account`]
    /// (or [`Session::account`]); the account object it answers with.
    fn post_account(
        &mut self,
        what: &str,
        update: &types::AccountUpdate,
    ) -> Result<AccountInfo, Failure> {
        let kid = (self.kid.clone())
            .ok_or_else(|| format!("{what}: no account yet (call find-account first)"))?;
        let payload = to_json(update)?;
        let reply = self.post(what, &kid, &payload, None)?;
        self.account_object(what, kid, &reply.body)
    }

    /// Parse an account object (§7.1.2) found at `url`; its orders URL must
    /// be on the directory's origin.
    fn account_object(&self, what: &str, url: String, body: &[u8]) -> Result<AccountInfo, Failure> {
        let a: types::Account = parse(what, body)?;
        if let Some(orders) = &a.orders {
            self.origin.check(orders, "the server")?;
        }
        Ok(AccountInfo {
            url,
            status: a.status,
            contact: a.contact.unwrap_or_default(),
            orders: a.orders,
        })
    }

    /// Take `kid` as the account URL, as [`Session::account`] would have
    /// found it (the host found it with another session of the same key).
    pub fn use_account(&mut self, kid: &str) -> Result<(), Failure> {
        self.origin.check(kid, "the host")?;
        self.kid = Some(kid.to_string());
        Ok(())
    }

    /// Create an order (§7.4) for `names`: `ip` identifiers for IP
    /// addresses (RFC 8738 §3), `dns` for the others.
    ///
    /// `replaces`: the renewal information identifier (RFC 9773 §4.1) of the
    /// certificate this order renews, sent (§5) only when the directory has
    /// renewalInfo: a server without it may refuse a member it does not know.
    pub fn new_order(
        &mut self,
        names: &[String],
        replaces: Option<&str>,
    ) -> Result<Order, Failure> {
        if let Some(id) = replaces {
            crate::ari::check_id(id)?;
        }
        let identifiers = names.iter().map(|n| Identifier::of(n)).collect();
        let payload = to_json(&types::NewOrder {
            identifiers,
            profile: self.profile.clone(),
            replaces: replaces
                .filter(|_| self.dir.renewal_info.is_some())
                .map(str::to_string),
        })?;
        let url = self.dir.new_order.clone();
        let reply = self.post("newOrder", &url, &payload, None)?;
        let order_url = self.location("newOrder", &reply)?;
        self.order(order_url, "newOrder", &reply)
    }

    /// Ask for `profile` in each new order (draft-ietf-acme-profiles §4),
    /// if the directory advertises it (§3, `meta.profiles`); otherwise an
    /// error listing the profiles it does advertise, before any order.
    pub fn use_profile(&mut self, profile: String) -> Result<(), Failure> {
        let offered = self.dir.meta.profiles.as_ref();
        if offered.is_some_and(|p| p.contains_key(&profile)) {
            self.profile = Some(profile);
            return Ok(());
        }
        let listed = match offered {
            Some(p) if !p.is_empty() => {
                let each: Vec<String> = p
                    .iter()
                    .take(MAX_LISTED_PROFILES)
                    .map(|(name, about)| format!("{} ({})", shown(name), shown(about)))
                    .collect();
                format!("it offers {}", each.join(", "))
            }
            _ => "its directory lists no profiles (meta.profiles)".to_string(),
        };
        Err(Failure::from(format!(
            "profile {}: not offered by the server: {listed}",
            shown(&profile)
        )))
    }

    /// POST-as-GET an order (§7.4, §6.3).
    pub fn get_order(&mut self, url: &str) -> Result<Order, Failure> {
        self.origin.check(url, "the host")?;
        let reply = self.post("order", url, "", None)?;
        self.order(url.to_string(), "order", &reply)
    }

    /// POST-as-GET an authorization (§7.5).
    pub fn get_authorization(&mut self, url: &str) -> Result<Authorization, Failure> {
        self.origin.check(url, "the host")?;
        let reply = self.post("authorization", url, "", None)?;
        let authz: types::Authorization = parse("authorization", &reply.body)?;
        if !authz.identifier.is_known() {
            return Err(Failure::from(format!(
                "authorization: identifier {:?} of type {:?} is not a dns name or an ip address",
                types::clean(&authz.identifier.value),
                types::clean(&authz.identifier.kind)
            )));
        }
        for c in &authz.challenges {
            self.origin.check(&c.url, "the server")?;
        }
        let error = authz.challenges.iter().find_map(|c| c.error.as_ref());
        Ok(Authorization {
            url: url.to_string(),
            identifier: authz.identifier.value,
            wildcard: authz.wildcard,
            status: authz.status,
            error: error.map(|e| e.to_string()),
            retry_after: retry_after(&reply),
            challenges: (authz.challenges.into_iter())
                .map(|c| Challenge {
                    kind: c.kind,
                    url: c.url,
                    token: c.token,
                    status: c.status,
                })
                .collect(),
        })
    }

    /// Tell the server the challenge is ready (§7.5.1): POST `{}`.
    pub fn respond(&mut self, url: &str) -> Result<(), Failure> {
        self.origin.check(url, "the host")?;
        self.post("challenge", url, "{}", None).map(drop)
    }

    /// Submit the CSR (§7.4). The order URL returned is the response's
    /// Location when present, else the URL of the order whose `finalize` is
    /// `url` as seen earlier in this session.
    pub fn finalize(&mut self, url: &str, csr_der: &[u8]) -> Result<Order, Failure> {
        self.origin.check(url, "the host")?;
        let payload = to_json(&types::Finalize {
            csr: jws::b64(csr_der),
        })?;
        let reply = self.post("finalize", url, &payload, None)?;
        let order_url = match reply.location {
            Some(_) => self.location("finalize", &reply)?,
            None => (self.orders.iter())
                .find(|(f, _)| f == url)
                .map(|(_, o)| o.clone())
                .ok_or("finalize: the response has no Location and the order is unknown")?,
        };
        self.order(order_url, "finalize", &reply)
    }

    /// Download the certificate chain (§7.4.2), returned unparsed.
    pub fn download(&mut self, url: &str) -> Result<Downloaded, Failure> {
        self.origin.check(url, "the host")?;
        let reply = self.post("certificate", url, "", Some(PEM_CHAIN))?;
        Ok(Downloaded {
            alternates: crate::link::alternates(&reply.links),
            pem: reply.body,
        })
    }

    /// Revoke a certificate (§7.6): POST its DER and the reason code, if
    /// any, to the directory's revokeCert. Signed with the account's `kid`
    /// after [`Session::account`], else with the signer's `jwk` (the
    /// certificate's own key). The server's problem is the error.
    pub fn revoke(&mut self, der: &[u8], reason: Option<u8>) -> Result<(), Failure> {
        let url = (self.dir.revoke_cert.clone())
            .ok_or("revokeCert: the server's directory has no revokeCert")?;
        let payload = to_json(&types::Revoke {
            certificate: jws::b64(der),
            reason,
        })?;
        self.post("revokeCert", &url, &payload, None).map(drop)
    }

    /// Parse and check an order object, remembering its finalize URL.
    fn order(&mut self, url: String, what: &str, reply: &Reply) -> Result<Order, Failure> {
        let o: types::Order = parse(what, &reply.body)?;
        for u in o.authorizations.iter().chain([&o.finalize]) {
            self.origin.check(u, "the server")?;
        }
        if let Some(cert) = &o.certificate {
            self.origin.check(cert, "the server")?;
        }
        if !self
            .orders
            .iter()
            .any(|(f, u)| *f == o.finalize && *u == url)
        {
            self.orders.push((o.finalize.clone(), url.clone()));
        }
        Ok(Order {
            url,
            status: o.status,
            authorizations: o.authorizations,
            finalize: o.finalize,
            certificate: o.certificate,
            error: o.error.map(|e| e.to_string()),
            retry_after: retry_after(reply),
        })
    }

    /// The Location header, which must be on the directory's origin.
    fn location(&self, what: &str, reply: &Reply) -> Result<String, String> {
        let url = (reply.location.as_deref())
            .ok_or_else(|| format!("{what}: the response has no Location header"))?;
        Ok(self.origin.check(url, "the server")?.to_string())
    }

    /// The signer's public key, asked for once per session.
    fn public_key(&mut self) -> Result<PublicKey, Failure> {
        match &self.key {
            Some(key) => Ok(key.clone()),
            None => Ok(self.key.insert(self.signer.public_key()?).clone()),
        }
    }

    /// HEAD newNonce (§7.2) for a fresh nonce.
    fn fresh_nonce(&mut self) -> Result<String, Failure> {
        let url = self.dir.new_nonce.clone();
        let reply = fetch(&self.transport, "newNonce", Method::Head, &url)?;
        expect_ok("newNonce", &url, &reply)?;
        Ok(take_nonce(&reply).ok_or("newNonce: the response has no Replay-Nonce")?)
    }

    /// Send a signed POST (§6.2) and return a 2xx reply; a badNonce problem
    /// is retried with the nonce that came with it (§6.5). Any other error
    /// says whether the host may retry (retry.rs).
    fn post(
        &mut self,
        what: &str,
        url: &str,
        payload: &str,
        accept: Option<&str>,
    ) -> Result<Reply, Failure> {
        let reply = self.post_any(what, url, payload, accept)?;
        expect_ok(what, url, &reply)?;
        Ok(reply)
    }

    /// [`Session::post`], returning the reply whatever its status, once it
    /// is not a badNonce to retry (the caller reads the problem).
    fn post_any(
        &mut self,
        what: &str,
        url: &str,
        payload: &str,
        accept: Option<&str>,
    ) -> Result<Reply, Failure> {
        let key = self.public_key()?;
        let kid = self.kid.clone();
        // Requests to newAccount carry the JWK, all others the kid (§6.2),
        // except a revocation without an account: signed with the
        // certificate's own key, it carries that key's JWK (§7.6).
        let key_ref = match &kid {
            _ if url == self.dir.new_account => KeyRef::Jwk(&key.jwk),
            Some(kid) => KeyRef::Kid(kid),
            None if self.dir.revoke_cert.as_deref() == Some(url) => KeyRef::Jwk(&key.jwk),
            None => return Err(format!("{what}: no account yet (call account first)").into()),
        };
        let mut attempt = 0;
        loop {
            let nonce = match self.nonce.take() {
                Some(n) => n,
                None => self.fresh_nonce()?,
            };
            let signer = &self.signer;
            let body = jws::build(&key.alg, key_ref, &nonce, url, payload, |i| signer.sign(i))?;
            let req = Request {
                method: Method::Post,
                url,
                body: &body,
                accept,
            };
            let reply = (self.transport.send(&req)).map_err(|e| e.during(what))?;
            self.nonce = take_nonce(&reply);
            if (200..300).contains(&reply.status) {
                return Ok(reply);
            }
            match Problem::parse(&reply.body) {
                Some(p) if p.kind == BAD_NONCE && attempt < BAD_NONCE_RETRIES => attempt += 1,
                _ => return Ok(reply),
            }
        }
    }
}

/// An unsigned GET or HEAD (only the directory and newNonce, §6.3).
fn fetch<T: Transport>(
    transport: &T,
    what: &str,
    method: Method,
    url: &str,
) -> Result<Reply, Failure> {
    let req = Request {
        method,
        url,
        body: "",
        accept: None,
    };
    transport.send(&req).map_err(|e| e.during(what))
}

/// An error for a non-2xx reply.
fn expect_ok(what: &str, url: &str, reply: &Reply) -> Result<(), Failure> {
    if (200..300).contains(&reply.status) {
        return Ok(());
    }
    Err(refusal(what, url, reply))
}

/// A non-2xx reply as one line (the problem document rendered, §6.7, else
/// the status), and whether the host may retry: by its status and
/// Retry-After (retry.rs).
fn refusal(what: &str, url: &str, reply: &Reply) -> Failure {
    let message = match Problem::parse(&reply.body) {
        Some(p) => format!("{what}: {p}"),
        None => format!("{what}: HTTP status {} from {url}", reply.status),
    };
    let retry_after = reply.retry_after.as_deref();
    let retry = retry::of_status(reply.status, retry_after, retry::unix_now());
    Failure::new(message, retry)
}

/// A 2xx reply's Retry-After, in seconds from now (§7.4, §8.2); `None`
/// when absent or not a valid value.
fn retry_after(reply: &Reply) -> Option<u64> {
    let value = reply.retry_after.as_deref()?;
    retry::seconds_after(value, retry::unix_now())
}

/// The reply's Replay-Nonce when it is valid base64url (§6.5.1).
fn take_nonce(reply: &Reply) -> Option<String> {
    reply.nonce.clone().filter(|n| jws::is_b64url(n))
}

fn parse<D: DeserializeOwned>(what: &str, body: &[u8]) -> Result<D, String> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: malformed response: {e}"))
}

fn to_json<V: serde::Serialize>(value: &V) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

#[path = "acme_ari.rs"]
mod ari;
#[path = "acme_keychange.rs"]
mod keychange;

#[cfg(test)]
#[path = "acme_tests.rs"]
mod tests;
