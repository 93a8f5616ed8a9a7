# No models. The module must exist all the same: post_migrate is sent only to apps
# with a models module, and the seed and workflow sync act on the last app's signal.
