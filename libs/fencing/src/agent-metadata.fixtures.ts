/**
 * Metadata in the two shapes the installed agents print (written for the tests, trimmed to what
 * they exercise): fencing.py's, with long options, `deprecated`/`obsoletes` pairs and entities,
 * and the C agents' (fence_virt), with short options only.
 */
export const FENCING_PY_XML = `<?xml version="1.0" ?>
<resource-agent name="fence_demo" shortdesc="Fence agent for &quot;demo&quot; devices" >
<symlink name="fence_demo2" shortdesc="Same, other name"/>
<longdesc>fence_demo switches
  demo &lt;outlets&gt;.</longdesc>
<vendor-url>https://example.invalid</vendor-url>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot"  />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="ip" unique="0" required="1" obsoletes="ipaddr">
		<getopt mixed="-a, --ip=[ip]" />
		<content type="string"  />
		<shortdesc lang="en">IP address or hostname of fencing device</shortdesc>
	</parameter>
	<parameter name="ipaddr" unique="0" required="1" deprecated="1">
		<getopt mixed="-a, --ip=[ip]" />
		<content type="string"  />
		<shortdesc lang="en">IP address or hostname of fencing device</shortdesc>
	</parameter>
	<parameter name="ipport" unique="0" required="0">
		<getopt mixed="-u, --ipport=[port]" />
		<content type="integer" default="623"  />
		<shortdesc lang="en">TCP/UDP port to use for connection with device</shortdesc>
	</parameter>
	<parameter name="lanplus" unique="0" required="0">
		<getopt mixed="-P, --lanplus" />
		<content type="boolean" default="0"  />
		<shortdesc lang="en">Use Lanplus</shortdesc>
	</parameter>
	<parameter name="ssl" unique="0" required="0">
		<getopt mixed="-z, --ssl" />
		<content type="boolean"  />
		<shortdesc lang="en">Use SSL connection</shortdesc>
	</parameter>
	<parameter name="login" unique="0" required="1" deprecated="1">
		<getopt mixed="-l, --username=[name]" />
		<content type="string"  />
		<shortdesc lang="en">Login name</shortdesc>
	</parameter>
	<parameter name="username" unique="0" required="1" obsoletes="login">
		<getopt mixed="-l, --username=[name]" />
		<content type="string"  />
		<shortdesc lang="en">Login name</shortdesc>
	</parameter>
	<parameter name="method" unique="0" required="0">
		<getopt mixed="-m, --method=[method]" />
		<content type="select" default="onoff"  >
			<option value="onoff" />
			<option value="cycle" />
		</content>
		<shortdesc lang="en">Method to fence</shortdesc>
	</parameter>
	<parameter name="passwd" unique="0" required="0" deprecated="1">
		<getopt mixed="-p, --password=[password]" />
		<content type="string"  />
		<shortdesc lang="en">Login password or passphrase</shortdesc>
	</parameter>
	<parameter name="passwd_script" unique="0" required="0" deprecated="1">
		<getopt mixed="-S, --password-script=[script]" />
		<content type="string"  />
		<shortdesc lang="en">Script to run to retrieve password</shortdesc>
	</parameter>
	<parameter name="password" unique="0" required="0" obsoletes="passwd">
		<getopt mixed="-p, --password=[password]" />
		<content type="string"  />
		<shortdesc lang="en">Login password or passphrase</shortdesc>
	</parameter>
	<parameter name="password_script" unique="0" required="0" obsoletes="passwd_script">
		<getopt mixed="-S, --password-script=[script]" />
		<content type="string"  />
		<shortdesc lang="en">Script to run to retrieve password</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string"  />
		<shortdesc lang="en">Physical plug number on device</shortdesc>
	</parameter>
	<parameter name="port" unique="0" required="1" deprecated="1">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string"  />
		<shortdesc lang="en">Physical plug number on device</shortdesc>
	</parameter>
	<parameter name="snmp_priv_passwd" unique="0" required="0">
		<getopt mixed="-P, --snmp-priv-passwd=[pass]" />
		<content type="string"  />
		<shortdesc lang="en">Set privacy protocol password</shortdesc>
	</parameter>
	<parameter name="community" unique="0" required="0">
		<getopt mixed="-c, --community=[community]" />
		<content type="string"  />
		<shortdesc lang="en">Set the community string</shortdesc>
	</parameter>
	<parameter name="ipmitool_path" unique="0" required="0">
		<getopt mixed="--ipmitool-path=[path]" />
		<content type="string" default="/usr/bin/ipmitool"  />
		<shortdesc lang="en">Path to ipmitool binary</shortdesc>
	</parameter>
	<parameter name="login_timeout" unique="0" required="0">
		<getopt mixed="--login-timeout=[seconds]" />
		<content type="second" default="5"  />
		<shortdesc lang="en">Wait X seconds for cmd prompt after login</shortdesc>
	</parameter>
	<parameter name="power_timeout" unique="0" required="0">
		<getopt mixed="--power-timeout=[seconds]" />
		<content type="second" default="20"  />
		<shortdesc lang="en">Test X seconds for status change after ON/OFF</shortdesc>
	</parameter>
	<parameter name="power_wait" unique="0" required="0">
		<getopt mixed="--power-wait=[seconds]" />
		<content type="second" default="2"  />
		<shortdesc lang="en">Wait X seconds after issuing ON/OFF</shortdesc>
	</parameter>
	<parameter name="shell_timeout" unique="0" required="0">
		<getopt mixed="--shell-timeout=[seconds]" />
		<content type="second" default="3"  />
		<shortdesc lang="en">Wait X seconds for cmd prompt after issuing command</shortdesc>
	</parameter>
	<parameter name="retry_on" unique="0" required="0">
		<getopt mixed="--retry-on=[attempts]" />
		<content type="integer" default="1"  />
		<shortdesc lang="en">Count of attempts to retry power on</shortdesc>
	</parameter>
	<parameter name="ipmitool_timeout" unique="0" required="0">
		<getopt mixed="--ipmitool-timeout=[timeout]" />
		<content type="string" default="2"  />
		<shortdesc lang="en">Timeout (sec) for IPMI operation</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="monitor" />
	<action name="metadata" />
</actions>
</resource-agent>`;

export const C_AGENT_XML = `<?xml version="1.0" ?>
<resource-agent name="fence_cdemo" shortdesc="Fence agent for virtual machines">
<longdesc>fence_cdemo fences virtual machines.</longdesc>
<vendor-url>https://example.invalid</vendor-url>
<parameters>
	<parameter name="debug" unique="0" required="0">
		<getopt mixed="-d" />
		<content type="boolean" />
		<shortdesc lang="en">Specify (stdin) or increment (command line) debug level</shortdesc>
	</parameter>
	<parameter name="ipport" unique="0" required="0">
		<getopt mixed="-p" />
		<content type="string" default="1229" />
		<shortdesc lang="en">TCP port</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n" />
		<content type="string" />
		<shortdesc lang="en">Virtual Machine (domain name) to fence</shortdesc>
	</parameter>
	<parameter name="port" unique="0" required="1" deprecated="1">
		<getopt mixed="-H" />
		<content type="string" />
		<shortdesc lang="en">Virtual Machine (domain name) to fence</shortdesc>
	</parameter>
	<parameter name="action" unique="0" required="0">
		<getopt mixed="-o" />
		<content type="string" default="reboot" />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="timeout" unique="0" required="0">
		<getopt mixed="-t" />
		<content type="string" default="30" />
		<shortdesc lang="en">Fencing timeout (in seconds; default=30)</shortdesc>
	</parameter>
	<parameter name="vsock" unique="0" required="0">
		<getopt mixed="-S" />
		<content type="integer" default="2" />
		<shortdesc lang="en">vm socket CID</shortdesc>
	</parameter>
	<parameter name="key_file" unique="0" required="0">
		<getopt mixed="-k" />
		<content type="string" default="/etc/cluster/fence_xvm.key" />
		<shortdesc lang="en">Shared key file</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="null" />
	<action name="on" />
	<action name="off" />
	<action name="reboot" />
	<action name="metadata" />
	<action name="status" />
	<action name="monitor" />
	<action name="list" />
</actions>
</resource-agent>`;
