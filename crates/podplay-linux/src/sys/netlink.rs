//! rtnetlink requests, as `ip link`/`ip addr`/`ip route` make them, on the
//! message types of the `netlink-packet-route` crate. A socket talks to the
//! network namespace it was opened in ([`super::ns::in_netns`] opens one
//! in another namespace), whatever thread later uses it.

use std::net::Ipv4Addr;
use std::os::fd::RawFd;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};
use nix::errno::Errno;

use super::SysError;

/// A route-netlink socket in one network namespace.
pub struct Rtnl {
    socket: Socket,
    seq: u32,
}

impl Rtnl {
    /// Opens a socket in the calling thread's network namespace.
    pub fn open() -> Result<Rtnl, SysError> {
        let io = |what: &str, e: std::io::Error| {
            SysError::new(what.to_string(), Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
        };
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(|e| io("socket(NETLINK_ROUTE)", e))?;
        socket.bind_auto().map_err(|e| io("bind netlink socket", e))?;
        socket.connect(&SocketAddr::new(0, 0)).map_err(|e| io("connect netlink socket", e))?;
        Ok(Rtnl { socket, seq: 0 })
    }

    /// Sends one request and waits for the kernel's answer to it: the
    /// acknowledgement (or error), and for a query the message before it.
    /// Replies are read from their fixed headers only, so an attribute this
    /// crate's version cannot parse never breaks the network.
    fn exchange(&mut self, what: &str, message: RouteNetlinkMessage, flags: u16) -> Result<Vec<u8>, SysError> {
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        self.seq += 1;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let mut buf = vec![0; packet.header.length as usize];
        packet.serialize(&mut buf);
        let fail = |errno: Errno| SysError::new(what.to_string(), errno);
        let io = |e: std::io::Error| fail(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)));
        self.socket.send(&buf, 0).map_err(io)?;
        let mut answer = Vec::new();
        loop {
            let (reply, _) = self.socket.recv_from_full().map_err(io)?;
            let mut at = 0;
            while let Some(message) = reply.get(at..).and_then(RawMessage::read) {
                at += message.len.max(NLMSG_HEADER);
                if message.seq != self.seq {
                    continue;
                }
                match message.kind {
                    NLMSG_ERROR => {
                        return match message.error_code() {
                            0 => Ok(answer),
                            code => Err(fail(Errno::from_raw(-code))),
                        };
                    }
                    NLMSG_DONE => return Ok(answer),
                    _ => answer = message.body.to_vec(),
                }
            }
        }
    }

    fn request(&mut self, what: &str, message: RouteNetlinkMessage, create: bool) -> Result<(), SysError> {
        let flags = NLM_F_REQUEST | NLM_F_ACK | if create { NLM_F_CREATE | NLM_F_EXCL } else { 0 };
        self.exchange(what, message, flags).map(drop)
    }

    /// The index of the link named `name` (`if_nametoindex`, in this
    /// socket's namespace): `ifi_index` of the answer's `ifinfomsg`.
    pub fn link_index(&mut self, name: &str) -> Result<u32, SysError> {
        let mut query = LinkMessage::default();
        query.attributes.push(LinkAttribute::IfName(name.to_string()));
        let what = format!("find link {name}");
        let body = self.exchange(&what, RouteNetlinkMessage::GetLink(query), NLM_F_REQUEST | NLM_F_ACK)?;
        body.get(4..8)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_ne_bytes)
            .ok_or_else(|| SysError::new(what, Errno::ENODEV))
    }

    /// `ip link add NAME type bridge`.
    pub fn add_bridge(&mut self, name: &str) -> Result<(), SysError> {
        let mut link = LinkMessage::default();
        link.attributes.push(LinkAttribute::IfName(name.to_string()));
        link.attributes.push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Bridge)]));
        self.request(&format!("ip link add {name} type bridge"), RouteNetlinkMessage::NewLink(link), true)
    }

    /// `ip link add NAME type veth peer name PEER netns <fd>`: the pair's
    /// other end is made directly in the namespace of `peer_netns`.
    pub fn add_veth(&mut self, name: &str, peer: &str, peer_netns: RawFd) -> Result<(), SysError> {
        let mut peer_link = LinkMessage::default();
        peer_link.attributes.push(LinkAttribute::IfName(peer.to_string()));
        peer_link.attributes.push(LinkAttribute::NetNsFd(peer_netns));
        let mut link = LinkMessage::default();
        link.attributes.push(LinkAttribute::IfName(name.to_string()));
        link.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer_link))),
        ]));
        self.request(
            &format!("ip link add {name} type veth peer name {peer}"),
            RouteNetlinkMessage::NewLink(link),
            true,
        )
    }

    /// `ip link set <index> up [master <controller>]`.
    pub fn set_up(&mut self, index: u32, controller: Option<u32>) -> Result<(), SysError> {
        let mut link = LinkMessage::default();
        link.header.index = index;
        link.header.flags = LinkFlags::Up;
        link.header.change_mask = LinkFlags::Up;
        link.attributes.extend(controller.map(LinkAttribute::Controller));
        self.request(&format!("ip link set {index} up"), RouteNetlinkMessage::SetLink(link), false)
    }

    /// `ip addr add ADDRESS/PREFIX dev <index>`.
    pub fn add_address(&mut self, index: u32, address: Ipv4Addr, prefix: u8) -> Result<(), SysError> {
        let mut message = AddressMessage::default();
        message.header.family = AddressFamily::Inet;
        message.header.prefix_len = prefix;
        message.header.index = index;
        message.attributes.push(AddressAttribute::Local(address.into()));
        message.attributes.push(AddressAttribute::Address(address.into()));
        let broadcast = Ipv4Addr::from(u32::from(address) | (u32::MAX >> prefix.min(32)));
        message.attributes.push(AddressAttribute::Broadcast(broadcast));
        self.request(&format!("ip addr add {address}/{prefix}"), RouteNetlinkMessage::NewAddress(message), true)
    }

    /// `ip route add default via GATEWAY`.
    pub fn add_default_route(&mut self, gateway: Ipv4Addr) -> Result<(), SysError> {
        let mut message = RouteMessage::default();
        message.header.address_family = AddressFamily::Inet;
        message.header.table = RouteHeader::RT_TABLE_MAIN;
        message.header.protocol = RouteProtocol::Boot;
        message.header.scope = RouteScope::Universe;
        message.header.kind = RouteType::Unicast;
        message.attributes.push(RouteAttribute::Gateway(RouteAddress::Inet(gateway)));
        self.request(&format!("ip route add default via {gateway}"), RouteNetlinkMessage::NewRoute(message), true)
    }
}

const NLMSG_HEADER: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// One netlink message, by its fixed header (`struct nlmsghdr`).
struct RawMessage<'a> {
    len: usize,
    kind: u16,
    seq: u32,
    body: &'a [u8],
}

impl<'a> RawMessage<'a> {
    fn read(bytes: &'a [u8]) -> Option<RawMessage<'a>> {
        let word = |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_ne_bytes);
        let len = usize::try_from(word(0)?).ok()?;
        let kind = u16::from_ne_bytes(bytes.get(4..6)?.try_into().ok()?);
        let seq = word(8)?;
        let body = bytes.get(NLMSG_HEADER..len.min(bytes.len()))?;
        // Messages are aligned to 4 bytes.
        Some(RawMessage { len: (len + 3) & !3, kind, seq, body })
    }

    /// `nlmsgerr.error`: 0 for an acknowledgement, else minus errno.
    fn error_code(&self) -> i32 {
        self.body.get(..4).and_then(|b| b.try_into().ok()).map_or(-libc::EBADMSG, i32::from_ne_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_without_parsing_attributes() {
        // An error message answering sequence 7 with -ENODEV, then padding.
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&36u32.to_ne_bytes());
        bytes.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        bytes.extend_from_slice(&0u16.to_ne_bytes());
        bytes.extend_from_slice(&7u32.to_ne_bytes());
        bytes.extend_from_slice(&0u32.to_ne_bytes());
        bytes.extend_from_slice(&(-libc::ENODEV).to_ne_bytes());
        bytes.extend_from_slice(&[0; 16]);
        let message = RawMessage::read(&bytes).unwrap();
        assert_eq!((message.kind, message.seq, message.len), (NLMSG_ERROR, 7, 36));
        assert_eq!(message.error_code(), -libc::ENODEV);
        assert!(RawMessage::read(&bytes[..10]).is_none());
    }
}
