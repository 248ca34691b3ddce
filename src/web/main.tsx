import { render } from "preact";
import { App } from "./components/App.tsx";
import { ChatApp } from "./model.ts";

const app = new ChatApp();
// For tests and the bench: the page's state, read-only by convention.
(window as unknown as { chatApp: ChatApp }).chatApp = app;
render(<App app={app} />, document.getElementById("app")!);
void app.resume();
