//! The session's renewal information request (RFC 9773 §4.2), beside
//! acme.rs: an unauthenticated GET, parsed by ari.rs.

use super::{expect_ok, fetch, retry_after, Session, Signer};
use crate::ari::{self, Suggested};
use crate::http::{Method, Transport};
use crate::retry::Failure;

impl<T: Transport, S: Signer> Session<T, S> {
    /// The renewal information of the certificate `id` identifies: GET
    /// `<renewalInfo>/<id>` (§4.2), which must be on the directory's origin.
    pub fn renewal_info(&mut self, id: &str) -> Result<Suggested, Failure> {
        let what = "renewalInfo";
        ari::check_id(id)?;
        let base = (self.directory().renewal_info.clone())
            .ok_or("renewalInfo: the server's directory has no renewalInfo (RFC 9773)")?;
        let url = format!("{}/{id}", base.trim_end_matches('/'));
        self.origin.check(&url, "the server")?;
        let reply = fetch(&self.transport, what, Method::Get, &url)?;
        expect_ok(what, &url, &reply)?;
        let (start, end, explanation_url) = ari::parse(&reply.body)?;
        Ok(Suggested {
            start,
            end,
            explanation_url,
            retry_after: retry_after(&reply),
        })
    }
}
