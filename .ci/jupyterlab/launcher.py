"""Serve the JupyterLab frontend in build/ with Debian's Jupyter server.

launcher.py runs jupyter_server 1.23 with jupyterlab_server's LabServerApp,
which serves the page, its configuration, the settings schemas, themes and
translations that webpack.config.js put in build/. JupyterLab 4 also asks
for two endpoints that only jupyter_server 2 has, /api/me (who the user is)
and /api/events/subscribe (a WebSocket of server events); this file answers
them itself: one local user, and an event stream with no events.

Run it with Debian's /usr/bin/python3; arguments are the Jupyter server's,
for example:

    /usr/bin/python3 launcher.py --ServerApp.ip=127.0.0.1 --ServerApp.port=8899 \\
        --ServerApp.token=SECRET --ServerApp.root_dir=DIR \\
        --AsyncgoLab.user_settings_dir=DIR/settings \\
        --AsyncgoLab.workspaces_dir=DIR/workspaces

and open http://127.0.0.1:8899/lab?token=SECRET.
"""

import getpass
import json
import os

from jupyter_server.base.handlers import JupyterHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")


class MeHandler(JupyterHandler):
    """Answers /api/me as jupyter_server 2 does, for the one local user."""

    @web.authenticated
    def get(self):
        name = getpass.getuser()
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({
            "identity": {
                "username": name,
                "name": name,
                "display_name": name,
                "initials": name[:1].upper(),
                "avatar_url": None,
                "color": None,
            },
            "permissions": {},
        }))


class EventsHandler(websocket.WebSocketHandler, JupyterHandler):
    """Accepts JupyterLab's event subscription and sends no events."""

    def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return super().get(*args, **kwargs)

    def on_message(self, message):
        pass


class AsyncgoLab(LabServerApp):
    """JupyterLab from build/, served at /lab."""

    # The extension is this module; run as a script, its name is __main__.
    name = __name__
    load_other_extensions = False
    app_name = "JupyterLab (asyncgo CI)"
    app_version = "4.6"
    extension_url = "/lab"
    default_url = "/lab"
    app_url = "/lab"
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = BUILD
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(BUILD, "themes")

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))


def _jupyter_server_extension_points():
    """Tells the Jupyter server that this module's extension is AsyncgoLab."""
    return [{"module": __name__, "app": AsyncgoLab}]


if __name__ == "__main__":
    if not os.path.exists(os.path.join(BUILD, "bundle.js")):
        raise SystemExit(f"launcher.py: no {BUILD}/bundle.js; build it first: cd {HERE} && npm ci && npx webpack")
    AsyncgoLab.launch_instance()
