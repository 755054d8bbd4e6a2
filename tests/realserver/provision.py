"""Sets up and inspects the nsupdate.info database for tests/real_server.rs.

    provision.py setup DOMAIN NAMESERVER TSIG_SECRET HOST UPDATE_SECRET
        a user, the zone DOMAIN (updated at NAMESERVER with the TSIG key named DOMAIN,
        HMAC-SHA512, base64 TSIG_SECRET) and the host HOST.DOMAIN with UPDATE_SECRET
    provision.py secret FQDN UPDATE_SECRET    sets the host's update secret (a rotation)
    provision.py faults FQDN                  prints "client=N auth=N server=N"
"""

import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from nsupdate.main.models import Domain, Host  # noqa: E402


def main(argv):
    cmd = argv[1]
    if cmd == "setup":
        domain, nameserver, tsig, host, secret = argv[2:7]
        user = get_user_model().objects.create_user("tester", "tester@example.org", "unused")
        d = Domain.objects.create(
            name=domain,
            nameserver_ip=nameserver,
            nameserver_update_secret=tsig,
            nameserver_update_algorithm="HMAC_SHA512",
            available=True,
            created_by=user,
        )
        h = Host.objects.create(name=host, domain=d, created_by=user)
        h.generate_secret(secret)
    elif cmd == "secret":
        Host.get_by_fqdn(argv[2]).generate_secret(argv[3])
    elif cmd == "faults":
        h = Host.get_by_fqdn(argv[2])
        print(f"client={h.client_faults} auth={h.api_auth_faults} server={h.server_faults}")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
