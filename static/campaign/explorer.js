'use strict';
// Filters the explorer tree of the sidebar as the operator types (Django's own
// nav_sidebar.js filters the app list, which this sidebar does not show).
{
    const filter = document.getElementById('nav-filter');
    const tree = document.querySelector('#nav-sidebar .explorer-tree');
    if (filter && tree) {
        const folders = Array.from(tree.querySelectorAll('details'));
        const initiallyOpen = new Map(folders.map((d) => [d, d.open]));
        const apply = () => {
            const text = filter.value.trim().toLowerCase();
            let matches = 0;
            tree.querySelectorAll('li.explorer-leaf').forEach((leaf) => {
                const hit = !text || leaf.textContent.toLowerCase().includes(text);
                leaf.hidden = !hit;
                if (hit) { matches += 1; }
            });
            // Deepest folders first, so a parent sees whether its sub-folders kept a leaf.
            folders.slice().reverse().forEach((details) => {
                const li = details.parentElement;
                const visible = details.querySelector('li.explorer-leaf:not([hidden])') !== null;
                li.hidden = Boolean(text) && !visible;
                details.open = text ? visible : initiallyOpen.get(details);
            });
            filter.classList.toggle('no-results', Boolean(text) && matches === 0);
        };
        ['input', 'keyup', 'change'].forEach((name) => filter.addEventListener(name, apply));
        apply();
    }
}
