/* ka_why: why haplane ignores or refuses a keepalived keyword, one line
 * each, for the importer's warnings and errors (ka_import.c). Grouped by
 * the reason; docs/migrating.md has the same table for people.
 */
#include <string.h>

#include "import/import-int.h"

/* Why a keyword is ignored or refused (the text after "ignored: "). */
struct why {
    const char *name;
    const char *why;
};

#define W_MAIL "haplane sends no e-mail; use notify scripts"
#define W_SNMP                                                                                     \
    "no SNMP or D-Bus; metrics_listen in global_defs serves Prometheus /metrics and a status "     \
    "page at /"
#define W_LVS   "LVS/IPVS is not used: haplane's proxy balances the connections"
#define W_PROC  "process settings of keepalived have no equivalent"
#define W_BUFS  "socket buffer tuning has no equivalent"
#define W_FW    "haplane adds no firewall rules or sets"
#define W_VMAC  "haplane sends from the interface's own MAC address"
#define W_RECV  "haplane applies keepalived's default receive checks"
#define W_GARP  "only the garp_master_* settings are implemented"
#define W_FIFO  "notify FIFOs are not implemented; use notify scripts"
#define W_NET   "configure them with the system's network configuration"
#define W_NS    "start haplane inside the network namespace instead"
#define W_SCHED "haplane schedules like keepalived's defaults"
#define W_TRACK "haplane always tracks the instance's interface"

static const struct why whys[] = {
    {"notification_email", W_MAIL},
    {"notification_email_from", W_MAIL},
    {"smtp_server", W_MAIL},
    {"smtp_helo_name", W_MAIL},
    {"smtp_connect_timeout", W_MAIL},
    {"smtp_alert", W_MAIL},
    {"smtp_alert_vrrp", W_MAIL},
    {"smtp_alert_checker", W_MAIL},
    {"no_email_faults", W_MAIL},
    {"no_checker_emails", W_MAIL},
    {"snmp_socket", W_SNMP},
    {"enable_traps", W_SNMP},
    {"enable_snmp_vrrp", W_SNMP},
    {"enable_snmp_keepalived", W_SNMP},
    {"enable_snmp_rfc", W_SNMP},
    {"enable_snmp_rfcv2", W_SNMP},
    {"enable_snmp_rfcv3", W_SNMP},
    {"enable_snmp_checker", W_SNMP},
    {"enable_dbus", W_SNMP},
    {"dbus_service_name", W_SNMP},
    {"lvs_id", W_LVS},
    {"lvs_timeouts", W_LVS},
    {"lvs_flush", W_LVS},
    {"lvs_flush_on_stop", W_LVS},
    {"lvs_flush_onstop", W_LVS},
    {"lvs_sync_daemon", W_LVS},
    {"lvs_sync_daemon_interface", W_LVS},
    {"lvs_notify_fifo", W_LVS},
    {"lvs_notify_fifo_script", W_LVS},
    {"lvs_process_name", W_LVS},
    {"checker_process_name", W_LVS},
    {"checker_priority", W_LVS},
    {"checker_no_swap", W_LVS},
    {"checker_rt_priority", W_LVS},
    {"checker_cpu_affinity", W_LVS},
    {"checker_rlimit_rttime", W_LVS},
    {"checker_rlimit_rtime", W_LVS},
    {"checker_log_all_failures", W_LVS},
    {"rs_init_notifies", W_LVS},
    {"net_namespace_ipvs", W_LVS},
    {"nftables_ipvs", W_LVS},
    {"nftables_ipvs_priority", W_LVS},
    {"nftables_ipvs_start_fwmark", W_LVS},
    {"SSL", W_LVS},
    {"bfd_process_name", W_PROC},
    {"bfd_priority", W_PROC},
    {"bfd_no_swap", W_PROC},
    {"bfd_rt_priority", W_PROC},
    {"bfd_cpu_affinity", W_PROC},
    {"bfd_rlimit_rttime", W_PROC},
    {"bfd_rlimit_rtime", W_PROC},
    {"bfd_instance", W_PROC},
    {"process_names", W_PROC},
    {"process_name", W_PROC},
    {"vrrp_process_name", W_PROC},
    {"startup_script", W_PROC},
    {"startup_script_timeout", W_PROC},
    {"shutdown_script", W_PROC},
    {"shutdown_script_timeout", W_PROC},
    {"use_pid_dir", W_PROC},
    {"instance", W_PROC},
    {"child_wait_time", W_PROC},
    {"umask", W_PROC},
    {"random_seed", W_PROC},
    {"reload_check_config", W_PROC},
    {"reload_time_file", W_PROC},
    {"reload_repeat", W_PROC},
    {"reload_file", W_PROC},
    {"include_check", W_PROC},
    {"config_save_dir", W_PROC},
    {"tmp_config_directory", W_PROC},
    {"data_use_instance", W_PROC},
    {"max_auto_priority", "use 'realtime on' for a realtime scheduling class"},
    {"min_auto_priority_delay", W_SCHED},
    {"vrrp_priority", W_SCHED},
    {"vrrp_cpu_affinity", W_SCHED},
    {"vrrp_rlimit_rttime", W_SCHED},
    {"vrrp_rlimit_rtime", W_SCHED},
    {"vrrp_netlink_cmd_rcv_bufs", W_BUFS},
    {"vrrp_netlink_cmd_rcv_bufs_force", W_BUFS},
    {"vrrp_netlink_monitor_rcv_bufs", W_BUFS},
    {"vrrp_netlink_monitor_rcv_bufs_force", W_BUFS},
    {"process_monitor_rcv_bufs", W_BUFS},
    {"process_monitor_rcv_bufs_force", W_BUFS},
    {"lvs_netlink_cmd_rcv_bufs", W_BUFS},
    {"lvs_netlink_cmd_rcv_bufs_force", W_BUFS},
    {"lvs_netlink_monitor_rcv_bufs", W_BUFS},
    {"lvs_netlink_monitor_rcv_bufs_force", W_BUFS},
    {"vrrp_rx_bufs_policy", W_BUFS},
    {"vrrp_rx_bufs_multiplier", W_BUFS},
    {"kernel_rx_buf_size", W_BUFS},
    {"vrrp_iptables", W_FW},
    {"vrrp_ipsets", W_FW},
    {"nftables", W_FW},
    {"nftables_priority", W_FW},
    {"nftables_ifindex", W_FW},
    {"nftables_counters", W_FW},
    {"namespace_with_ipsets", W_FW},
    {"use_vmac", W_VMAC},
    {"use_vmac_addr", W_VMAC},
    {"vmac_xmit_base", W_VMAC},
    {"use_ipvlan", W_VMAC},
    {"vmac_prefix", W_VMAC},
    {"vmac_addr_prefix", W_VMAC},
    {"vrrp_vmac_garp_intvl", W_VMAC},
    {"vmac_garp_intvl", W_VMAC},
    {"vrrp_skip_check_adv_addr", W_RECV},
    {"skip_check_adv_addr", W_RECV},
    {"accept", "haplane does not filter traffic to the VIPs"},
    {"no_accept", "haplane does not filter traffic to the VIPs"},
    {"log_unknown_vrids", "adverts for unknown VRIDs are counted, see haplane status"},
    {"vrrp_garp_lower_prio_delay", W_GARP},
    {"vrrp_garp_lower_prio_repeat", W_GARP},
    {"garp_lower_prio_delay", W_GARP},
    {"garp_lower_prio_repeat", W_GARP},
    {"vrrp_garp_extra_if", W_GARP},
    {"garp_extra_if", W_GARP},
    {"garp_group", W_GARP},
    {"vrrp_lower_prio_no_advert",
     "a master answers lower priorities as keepalived does by default"},
    {"lower_prio_no_advert", "a master answers lower priorities as keepalived does by default"},
    {"vrrp_higher_prio_send_advert", "a master yields to a higher priority as the RFC says"},
    {"higher_prio_send_advert", "a master yields to a higher priority as the RFC says"},
    {"vrrp_down_timer_adverts", "the master down interval is 3 adverts plus skew (RFC)"},
    {"down_timer_adverts", "the master down interval is 3 adverts plus skew (RFC)"},
    {"vrrp_startup_delay", "use preempt_delay to hold back a starting node"},
    {"vrrp_notify_fifo", W_FIFO},
    {"vrrp_notify_fifo_script", W_FIFO},
    {"notify_fifo", W_FIFO},
    {"notify_fifo_script", W_FIFO},
    {"vrrp_notify_priority_changes", W_FIFO},
    {"notify_priority_changes", W_FIFO},
    {"fifo_write_vrrp_states_on_reload", W_FIFO},
    {"notify_deleted", "notify_stop is called when an instance goes away"},
    {"notify_master_rx_lower_pri", "use notify_master"},
    {"dynamic_interfaces", "an instance always waits in FAULT for a missing interface"},
    {"default_interface", "every vrrp_instance names its interface"},
    {"disable_local_igmp", "the kernel's IGMP settings apply"},
    {"linkbeat_use_polling", "link state comes from netlink"},
    {"linkbeat_interfaces", "link state comes from netlink"},
    {"interface_up_down_delays", "link changes apply at once"},
    {"native_ipv6", "IPv6 instances always use their own family"},
    {"dont_track_primary", W_TRACK},
    {"track_src_ip", W_TRACK},
    {"promote_secondaries", W_NET},
    {"static_ipaddress", W_NET},
    {"static_routes", W_NET},
    {"static_rules", W_NET},
    {"net_namespace", W_NS},
    {"unicast_ttl", "unicast adverts are sent with TTL 255"},
    {"unicast_fault_no_peer", "an instance without peers uses multicast"},
    {"mcast_dst_ip", "adverts go to the RFC multicast group (vrrp_mcast_group4/6)"},
    {"vrf", "the interface is used as named"},
    {"debug", "see --log-level"},
    {"init_fail", "a script counts as failed until its first success only with weight 0"},
    {"vrrp_track_process", "process tracking is not implemented; use a vrrp_script"},
    {"track_file", "file tracking is not implemented; use a vrrp_script"},
    {"vrrp_track_file", "file tracking is not implemented; use a vrrp_script"},
    {"track_group", W_GARP},
    /* refused */
    {"virtual_server", "LVS/IPVS load balancing is replaced by haplane's TCP proxy; describe the "
                       "service in haproxy.cfg (--haproxy) or in a proxy block"},
    {"virtual_server_group", "LVS/IPVS load balancing is replaced by haplane's TCP proxy"},
    {"virtual_ipaddress_excluded", "move the addresses to virtual_ipaddress (all peers must agree) "
                                   "or configure them on the host"},
    {"virtual_routes", "haplane adds no routes when it becomes master"},
    {"virtual_rules", "haplane adds no routing rules when it becomes master"},
    {"track_process", "use a vrrp_script (for haproxy: track_proxy)"},
    {"track_bfd", "BFD is not implemented; use a vrrp_script"},
    {"old_unicast_checksum", "haplane sends and expects standard VRRPv3 checksums"},
};

const char *ka_why(const char *name)
{
    for (size_t i = 0; i < CFG_NELEM(whys); i++)
        if (!strcmp(whys[i].name, name))
            return whys[i].why;
    return "no equivalent";
}
