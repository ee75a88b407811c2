"""Case pages for staff, by family: field (home, capture), queues, the case page, batches;
residents' pages are in ``public``."""
