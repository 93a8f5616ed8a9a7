"""The sidebar's explorer tree, mirroring the platform's (Administration › Production ›
Technical workflows…), built from the folders and entries every installed app declares
(workflows.plugins.ExplorerFolder / ExplorerEntry). An operator sees the entries whose
permission they hold, and the folders that hold some of them."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from workflows.plugins import ExplorerEntry, explorer_entries, explorer_folders


@dataclass
class Node:
    key: str
    label: str
    url: str | None = None
    children: list = field(default_factory=list)
    open: bool = False


def _url(entry: ExplorerEntry):
    try:
        return reverse(entry.url_name)
    except NoReverseMatch:  # its page is not mounted (e.g. a test that drops the app's URLs)
        return None


def explorer_tree(user, current_path):
    """The visible tree: a list of top-level Nodes, folders and entries in their order."""
    folders = explorer_folders()
    nodes = {folder.key: Node(folder.key, folder.label) for folder in folders}
    placed = {folder.key: [] for folder in folders}
    for folder in folders:
        placed.setdefault(folder.parent, []).append((folder.order, nodes[folder.key]))
    for entry in explorer_entries():
        url = _url(entry)
        if url is None or not user.has_perm(entry.permission):
            continue
        leaf = Node(entry.key, entry.label, url=url, open=current_path.startswith(url))
        placed[entry.folder].append((entry.order, leaf))

    def build(parent):
        children = []
        for _order, node in sorted(placed.get(parent, []), key=lambda item: item[0]):
            if node.url is None:
                node.children = build(node.key)
                if not node.children:
                    continue
                node.open = any(child.open for child in node.children)
            children.append(node)
        return children

    return build(None)


def trail(current_path):
    """Labels from the top folder to the entry whose page `current_path` is (the longest
    matching URL), for breadcrumbs; empty when no entry matches."""
    folders = {folder.key: folder for folder in explorer_folders()}
    best, best_url = None, ""
    for entry in explorer_entries():
        url = _url(entry)
        if url and current_path.startswith(url) and len(url) > len(best_url):
            best, best_url = entry, url
    if best is None:
        return []
    labels = [best.label]
    key = best.folder
    while key is not None and key in folders:
        labels.insert(0, folders[key].label)
        key = folders[key].parent
    return labels
