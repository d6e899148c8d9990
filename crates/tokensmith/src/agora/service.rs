//! The services an AccessToken2 can carry (agora-accesstoken2 §11).

use std::collections::BTreeMap;

use serde::Serialize;

use super::packer::{Reader, Writer};
use crate::error::Result;

pub const SERVICE_RTC: u16 = 1;
pub const SERVICE_RTM: u16 = 2;
pub const SERVICE_STREAMING: u16 = 3;
pub const SERVICE_FPA: u16 = 4;
pub const SERVICE_CHAT: u16 = 5;
pub const SERVICE_FCDN: u16 = 6;
pub const SERVICE_APAAS: u16 = 7;
pub const SERVICE_RTM2: u16 = 8;
pub const SERVICE_CONVOAI: u16 = 9;
pub const SERVICE_STT: u16 = 10;

/// Chat privilege ids.
pub const PRIVILEGE_CHAT_USER: u16 = 1;
pub const PRIVILEGE_CHAT_APP: u16 = 2;

/// One service: its type, privileges (id → seconds relative to issue_ts) and type-specific fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    #[serde(rename = "type")]
    pub service_type: u16,
    pub name: &'static str,
    pub privileges: BTreeMap<u16, u32>,
    #[serde(flatten)]
    pub body: ServiceBody,
}

/// RTM2 resource permissions: resource type → (permission → names).
pub type Rtm2Resources = BTreeMap<u16, BTreeMap<u16, Vec<String>>>;

/// Type-specific fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged, rename_all = "camelCase")]
pub enum ServiceBody {
    Rtc {
        #[serde(rename = "channelName")]
        channel_name: String,
        uid: String,
    },
    UserId {
        #[serde(rename = "userId")]
        user_id: String,
    },
    ChannelAccount {
        #[serde(rename = "channelName")]
        channel_name: String,
        account: String,
    },
    Apaas {
        #[serde(rename = "roomUuid")]
        room_uuid: String,
        #[serde(rename = "userUuid")]
        user_uuid: String,
        role: i16,
    },
    Rtm2 {
        #[serde(rename = "userId")]
        user_id: String,
        resources: Rtm2Resources,
    },
    None {},
    /// A service type this parser does not know; it has no length field, so parsing stops here.
    Unknown {
        #[serde(skip)]
        raw: Vec<u8>,
    },
}

pub fn service_name(t: u16) -> &'static str {
    match t {
        SERVICE_RTC => "rtc",
        SERVICE_RTM => "rtm",
        SERVICE_STREAMING => "streaming",
        SERVICE_FPA => "fpa",
        SERVICE_CHAT => "chat",
        SERVICE_FCDN => "fcdn",
        SERVICE_APAAS => "apaas",
        SERVICE_RTM2 => "rtm2",
        SERVICE_CONVOAI => "convoai",
        SERVICE_STT => "stt",
        _ => "unknown",
    }
}

impl Service {
    pub fn new(service_type: u16, privileges: BTreeMap<u16, u32>, body: ServiceBody) -> Self {
        Service { service_type, name: service_name(service_type), privileges, body }
    }

    /// The Chat service of a user token (`user_id` non-empty or not) or an app token (`None`).
    pub fn chat(user_id: Option<&str>, expire: u32) -> Self {
        let privilege = if user_id.is_some() { PRIVILEGE_CHAT_USER } else { PRIVILEGE_CHAT_APP };
        let body = ServiceBody::UserId { user_id: user_id.unwrap_or_default().to_owned() };
        Service::new(SERVICE_CHAT, BTreeMap::from([(privilege, expire)]), body)
    }

    pub(crate) fn write(&self, w: &mut Writer) -> Result<()> {
        w.u16(self.service_type);
        let count = u16::try_from(self.privileges.len())
            .map_err(|_| crate::Error::invalid("privileges", "more than 65535 privileges"))?;
        w.u16(count);
        for (&k, &v) in &self.privileges {
            w.u16(k);
            w.u32(v);
        }
        match &self.body {
            ServiceBody::Rtc { channel_name, uid } => {
                w.bytes("channel_name", channel_name.as_bytes())?;
                w.bytes("uid", uid.as_bytes())?;
            }
            ServiceBody::UserId { user_id } => w.bytes("user_id", user_id.as_bytes())?,
            ServiceBody::ChannelAccount { channel_name, account } => {
                w.bytes("channel_name", channel_name.as_bytes())?;
                w.bytes("account", account.as_bytes())?;
            }
            ServiceBody::Apaas { room_uuid, user_uuid, role } => {
                w.bytes("room_uuid", room_uuid.as_bytes())?;
                w.bytes("user_uuid", user_uuid.as_bytes())?;
                w.i16(*role);
            }
            ServiceBody::Rtm2 { user_id, resources } => {
                w.bytes("user_id", user_id.as_bytes())?;
                w.u16(resources.len() as u16);
                for (&rt, perms) in resources {
                    w.u16(rt);
                    w.u16(perms.len() as u16);
                    for (&perm, names) in perms {
                        w.u16(perm);
                        w.u16(names.len() as u16);
                        for n in names {
                            w.bytes("resource", n.as_bytes())?;
                        }
                    }
                }
            }
            ServiceBody::None {} => {}
            ServiceBody::Unknown { raw } => w.0.extend_from_slice(raw),
        }
        Ok(())
    }

    /// Reads one service. An unknown type swallows the rest of the payload, as the references do.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Service> {
        let service_type = r.u16("service_type")?;
        if service_name(service_type) == "unknown" {
            let raw = r.rest().to_vec();
            return Ok(Service::new(service_type, BTreeMap::new(), ServiceBody::Unknown { raw }));
        }
        let mut privileges = BTreeMap::new();
        for _ in 0..r.u16("privileges")? {
            let k = r.u16("privileges")?;
            privileges.insert(k, r.u32("privileges")?);
        }
        let body = match service_type {
            SERVICE_RTC => ServiceBody::Rtc { channel_name: r.string("channel_name")?, uid: r.string("uid")? },
            SERVICE_RTM | SERVICE_CHAT => ServiceBody::UserId { user_id: r.string("user_id")? },
            SERVICE_STREAMING | SERVICE_FCDN => {
                ServiceBody::ChannelAccount { channel_name: r.string("channel_name")?, account: r.string("account")? }
            }
            SERVICE_APAAS => ServiceBody::Apaas {
                room_uuid: r.string("room_uuid")?,
                user_uuid: r.string("user_uuid")?,
                role: r.i16("role")?,
            },
            SERVICE_RTM2 => {
                let user_id = r.string("user_id")?;
                let mut resources = Rtm2Resources::new();
                for _ in 0..r.u16("resources")? {
                    let rt = r.u16("resources")?;
                    let perms = resources.entry(rt).or_default();
                    for _ in 0..r.u16("resources")? {
                        let perm = r.u16("resources")?;
                        let names = perms.entry(perm).or_default();
                        for _ in 0..r.u16("resources")? {
                            names.push(r.string("resources")?);
                        }
                    }
                }
                ServiceBody::Rtm2 { user_id, resources }
            }
            _ => ServiceBody::None {},
        };
        Ok(Service::new(service_type, privileges, body))
    }
}
