"""The project's import rules, as an import-linter contract type (`.importlinter`).

DESIGN §2: imports flow one way: area apps (and offers, reporting) → campaign's core →
workflows → Django. An app is the longest configured module prefix a module falls in
(campaign.tracking is an app of its own inside the campaign package). The contract
fails on an import

- from an app to an app of a higher layer, or to a sibling of its own layer (siblings
  are independent);
- from outside an app to one of its modules that are not public (the engine is
  imported through workflows.api and workflows.plugins);
- that closes a cycle, anywhere among our modules.

Configuration (`layers`: top first, siblings separated by "|"; `public`: lines of
"app: module, module"); every broken import is listed with its file and line.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def app_of(module: str, apps: list[str]) -> str | None:
    """The longest configured app prefix of a module."""
    found = [app for app in apps if module == app or module.startswith(app + ".")]
    return max(found, key=len) if found else None


def _imports(graph: ImportGraph, module: str, modules: set[str]):
    return iter(sorted(graph.find_modules_directly_imported_by(module) & modules))


def strongly_connected(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """Import cycles among `modules` (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, _imports(graph, root, modules))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, _imports(graph, child, modules)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


class LayeredApps(Contract):
    type_name = "layered_apps"

    layers = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField(), required=False)

    def _layers(self) -> dict[str, int]:
        rank = {}
        for position, line in enumerate(self.layers):  # type: ignore[attr-defined]
            for app in line.split("|"):
                rank[app.strip()] = position
        return rank

    def _public(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for line in self.public or []:  # type: ignore[attr-defined]
            app, _, modules = line.partition(":")
            found[app.strip()] = {module.strip() for module in modules.split(",") if module.strip()}
        return found

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        rank = self._layers()
        public = self._public()
        apps = list(rank)
        ours = {module for module in graph.modules if app_of(module, apps)}
        broken = []
        for importer in sorted(ours):
            source = app_of(importer, apps)
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & ours):
                target = app_of(imported, apps)
                if target == source or source is None or target is None:
                    continue
                reason = None
                if rank[target] < rank[source]:
                    reason = f"{source} imports {target}, a layer above it"
                elif rank[target] == rank[source]:
                    reason = f"{source} imports {target}, a sibling of its layer"
                elif target in public and imported not in public[target]:
                    through = ", ".join(sorted(public[target]))
                    reason = f"{source} imports {imported}: import {target} through {through}"
                if reason:
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        broken.append(f"{reason} ({detail['importer']}:{detail['line_number']})")
        cycles = strongly_connected(graph, ours)
        for cycle in cycles:
            broken.append("import cycle: " + " → ".join(cycle))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line, bold=False)
            output.new_line()
