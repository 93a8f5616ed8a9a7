"""`manage.py serve_ruleset`: serve a ruleset file over HTTPS, with ETag and
Last-Modified, for development and tests (deliverabilityUpdate's feed URL then points
at it). Without --certfile it makes a throwaway certificate authority and certificate
(trustme) and prints how to trust it."""

import ssl
from pathlib import Path

import trustme
from django.conf import settings

from campaign.commands import PlatformCommand, usage_error

from ... import rules
from ...feed_server import PATH, RulesetServer, file_content


class Command(PlatformCommand):
    help = (
        "Serve a deliverability ruleset file over HTTPS for development and tests, until interrupted "
        "(Ctrl-C). Without --certfile, a throwaway CA and certificate are written to var/deliverability-tls/."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("--file", default=str(rules.DEFAULT_RULESET), help="the ruleset file to serve")
        parser.add_argument("--bind", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8443)
        parser.add_argument("--certfile", help="PEM certificate chain (with --keyfile)")
        parser.add_argument("--keyfile", help="PEM private key")

    def tls(self, bind, certfile, keyfile):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if certfile or keyfile:
            if not (certfile and keyfile):
                raise usage_error("give both --certfile and --keyfile, or neither")
            try:
                context.load_cert_chain(certfile, keyfile)
            except (OSError, ssl.SSLError) as exc:
                raise usage_error(f"cannot load the certificate: {exc}") from None
            return context, None
        folder = Path(settings.VAR_DIR) / "deliverability-tls"
        folder.mkdir(parents=True, exist_ok=True)
        authority = trustme.CA()
        authority.issue_cert(bind, "localhost").configure_cert(context)
        ca_file = folder / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        return context, ca_file

    def run(self, *, file, bind, port, certfile=None, keyfile=None, **options):
        path = Path(file)
        try:
            rules.load_file(path)
        except rules.RulesetError as exc:
            raise usage_error(f"{path}: {exc}") from None
        context, ca_file = self.tls(bind, certfile, keyfile)
        try:
            server = RulesetServer((bind, port), context, file_content(path), verbose=True)
        except OSError as exc:
            raise usage_error(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
        url = f"https://{bind}:{server.port}{PATH}"
        self.stdout.write(f"Serving {path} at {url} (Ctrl-C to stop)")
        if ca_file is not None:
            self.stdout.write(f"Trust its certificate authority: SSL_CERT_FILE={ca_file}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return {"url": url, "ca_file": str(ca_file or "")}, ["Stopped."]
