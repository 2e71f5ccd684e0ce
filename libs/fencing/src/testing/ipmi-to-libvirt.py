# An IPMI BMC on 127.0.0.1:PORT whose power actions act on one libvirt domain: IPMI fencing that
# really stops a (test-driver) VM. pyghmi's virshbmc, bound to loopback only.
# usage: BMC_USER=... BMC_PASSWORD=... /usr/bin/python3 ipmi-to-libvirt.py LIBVIRT_URI DOMAIN PORT
# The credentials come from the environment, never argv (visible to every user in ps).
# needs: apt-get install -y python3-pyghmi python3-libvirt   (Debian's /usr/bin/python3)
import os
import sys

import libvirt
from pyghmi.cmd import virshbmc
from pyghmi.ipmi.private import serversession

_orig_init = serversession.IpmiServer.__init__


def _loopback_init(self, authdata, port=623, bmcuuid=None, address='127.0.0.1'):
    # pyghmi binds to every address by default; a test peer must stay on loopback
    _orig_init(self, authdata, port=port, bmcuuid=bmcuuid, address='127.0.0.1')


serversession.IpmiServer.__init__ = _loopback_init

uri, domain, port = sys.argv[1:4]
user = os.environ.pop('BMC_USER')
password = os.environ.pop('BMC_PASSWORD')
libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(virshbmc.error_handler, None)
print(f'ipmi-to-libvirt: {domain} on 127.0.0.1:{port}', flush=True)
virshbmc.LibvirtBmc({user: password}, hypervisor=uri, domain=domain, port=int(port)).listen()
