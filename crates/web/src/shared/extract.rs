//! Extractors every area's handlers share: a JSON body whose rejection
//! quotes none of the values sent, and the client's address.

use crate::error::ApiError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// A JSON body whose rejection is an [`ApiError`] that does not quote the
/// values sent (they may be personal data).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError::BadRequest(body_error(&e))),
        }
    }
}

fn body_error(e: &JsonRejection) -> String {
    let detail = match e {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            without_values(&e.body_text())
        }
        _ => e.body_text(),
    };
    format!("the request body is not what this endpoint takes (请求内容格式错误): {detail}")
}

pub use dixian_app::without_values;

/// The client's address, when the server was started with connect info
/// (`serve_with`); otherwise one shared bucket.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientIp(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_do_not_quote_values() {
        let m = "Failed to deserialize the JSON body into the target type: phone: invalid type: integer `13800001234`, expected a string at line 1 column 20";
        let out = without_values(m);
        assert!(!out.contains("13800001234"), "{out}");
        assert!(
            out.contains("expected a string at line 1 column 20"),
            "{out}"
        );
        let m = "event.kind: unknown variant `张三`, expected one of `home_check`, `notice_end`";
        assert!(!without_values(m).contains("张三"));
    }
}
