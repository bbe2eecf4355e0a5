#!/usr/bin/env python3
"""Opens the tour's page (index.html) in headless Chromium through the DevTools protocol (over a pipe, standard
library only), saves a screenshot per chapter, and fails on a console error or exception, a request for
anything but the file itself, a picture that does not render, or content wider than the page (at a desktop and
at a phone width). Run by Scripts/check-tour.sh, which builds the page first.

    python3 Scripts/check-tour.py playground-output/index.html SCREENSHOT-DIR
"""
import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    """Chromium with --remote-debugging-pipe: commands on fd 3, answers and events on fd 4, NUL-separated JSON."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="check-tour-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def wire():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
             f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w, 3, 4), preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.profile, "chromium.log"), "w"))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def read_message(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                log = pathlib.Path(self.profile, "chromium.log").read_text()[-3000:]
                raise RuntimeError(f"chromium closed the DevTools pipe:\n{log}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.read_message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method, timeout=60):
        deadline = time.time() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.time() < deadline:
            event = self.read_message()
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise RuntimeError(f"no {method} within {timeout} s")

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


MEASURE = """(() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const e of document.querySelectorAll('main *')) {
    if (e.closest('pre') && e.tagName !== 'PRE') continue;   // a code block scrolls inside itself
    if (e.closest('svg') && e.tagName !== 'svg') continue;
    const r = e.getBoundingClientRect();
    if (r.right > width + 1 || r.left < -1) wide.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  const pictures = [...document.querySelectorAll('figure svg')].map(s => {
    const r = s.getBoundingClientRect();
    return {name: s.parentElement.querySelector('figcaption').textContent, width: r.width, height: r.height,
            drawn: s.querySelectorAll('polyline, rect, circle, line, text').length};
  });
  const images = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  const chapters = [...document.querySelectorAll('section.chapter')].map(s => {
    const r = s.getBoundingClientRect();
    return {id: s.id, top: r.top + window.scrollY, height: r.height};
  });
  return JSON.stringify({width, scrollWidth: document.documentElement.scrollWidth, wide, pictures, images, chapters,
                         height: document.documentElement.scrollHeight});
})()"""


def main():
    page = pathlib.Path(sys.argv[1]).resolve()
    shots = pathlib.Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not executable:
        sys.exit("no chromium (Scripts/check-tour.sh installs it)")
    url = page.as_uri()
    problems = []
    browser = Browser(executable)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ["Runtime", "Log", "Network", "Page"]:
            browser.send(f"{domain}.enable", session=session)
        for width, height, name in [(1100, 900, "desktop"), (400, 800, "phone")]:
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"}, session=session)
            browser.events = [e for e in browser.events if e.get("method") != "Page.loadEventFired"]
            browser.send("Page.navigate", {"url": url}, session=session)
            browser.wait_for("Page.loadEventFired")
            time.sleep(0.5)
            result = browser.send("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session=session)
            facts = json.loads(result["result"]["value"])
            if facts["scrollWidth"] > facts["width"] + 1:
                problems.append(f"{name}: the page is {facts['scrollWidth']} px wide in a {facts['width']} px window")
            for element in facts["wide"][:10]:
                problems.append(f"{name}: wider than the page: {element}")
            for picture in facts["pictures"]:
                if picture["width"] < 50 or picture["height"] < 50 or picture["drawn"] < 3:
                    problems.append(f"{name}: picture {picture['name']} does not render ({picture})")
            for image in facts["images"]:
                problems.append(f"{name}: broken image {image}")
            if name == "desktop":
                print(f"{len(facts['chapters'])} chapters, {len(facts['pictures'])} pictures, page {facts['height']} px high")
                top = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                   "clip": {"x": 0, "y": 0, "width": width, "height": min(facts["chapters"][0]["top"], 3000) if facts["chapters"] else 900, "scale": 1}},
                                   session=session)
                (shots / "00-contents.png").write_bytes(base64.b64decode(top["data"]))
                for chapter in facts["chapters"]:
                    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                        "clip": {"x": 0, "y": chapter["top"], "width": width, "height": min(chapter["height"], 12000), "scale": 1}},
                                        session=session)
                    number = int(chapter["id"].split("-")[1])
                    (shots / f"chapter-{number:02d}.png").write_bytes(base64.b64decode(shot["data"]))
            else:
                shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
                (shots / "phone.png").write_bytes(base64.b64decode(shot["data"]))
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                problems.append(f"console {params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                problems.append(f"browser {params['entry']['level']}: {params['entry']['text']} {params['entry'].get('url', '')}")
            elif method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if requested != url and not requested.startswith("data:") and requested != "about:blank":
                    problems.append(f"request outside the file: {requested}")
            elif method == "Network.loadingFailed":
                problems.append(f"loading failed: {params.get('errorText')}")
    finally:
        browser.close()
    for problem in problems:
        print("problem:", problem)
    print(f"screenshots in {shots}/")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
