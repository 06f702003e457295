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

    /// Sends one request and waits for the kernel's acknowledgement.
    fn request(&mut self, what: &str, message: RouteNetlinkMessage, create: bool) -> Result<(), SysError> {
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK | if create { NLM_F_CREATE | NLM_F_EXCL } else { 0 };
        self.seq += 1;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let mut buf = vec![0; packet.header.length as usize];
        packet.serialize(&mut buf);
        let fail = |errno: Errno| SysError::new(what.to_string(), errno);
        self.socket.send(&buf, 0).map_err(|e| fail(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
        loop {
            let (reply, _) = self
                .socket
                .recv_from_full()
                .map_err(|e| fail(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
            let mut at = 0;
            while at < reply.len() {
                let parsed = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply[at..])
                    .map_err(|_| fail(Errno::EBADMSG))?;
                let len = parsed.header.length as usize;
                if parsed.header.sequence_number == self.seq {
                    if let NetlinkPayload::Error(e) = parsed.payload {
                        return match e.code {
                            None => Ok(()),
                            Some(code) => Err(fail(Errno::from_raw(-code.get()))),
                        };
                    }
                }
                if len == 0 {
                    break;
                }
                at += len;
            }
        }
    }

    /// The index of the link named `name` (`if_nametoindex`, in this
    /// socket's namespace).
    pub fn link_index(&mut self, name: &str) -> Result<u32, SysError> {
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST;
        self.seq += 1;
        header.sequence_number = self.seq;
        let mut query = LinkMessage::default();
        query.attributes.push(LinkAttribute::IfName(name.to_string()));
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(RouteNetlinkMessage::GetLink(query)));
        packet.finalize();
        let mut buf = vec![0; packet.header.length as usize];
        packet.serialize(&mut buf);
        let what = format!("find link {name}");
        let fail =
            |e: std::io::Error| SysError::new(what.clone(), Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)));
        self.socket.send(&buf, 0).map_err(fail)?;
        let (reply, _) = self.socket.recv_from_full().map_err(fail)?;
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply).map(|m| m.payload) {
            Ok(NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link))) => Ok(link.header.index),
            Ok(NetlinkPayload::Error(e)) => {
                Err(SysError::new(what, Errno::from_raw(e.code.map_or(libc::ENODEV, |c| -c.get()))))
            }
            _ => Err(SysError::new(what, Errno::EBADMSG)),
        }
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
