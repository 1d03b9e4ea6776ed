"""Real-handwriting evaluation tools (issue 20). Developer tools: never imported by ``scanner``.

Data: ``../shared/handwriting`` relative to the checkout (``PETITION_HANDWRITING``
or ``--data`` to point elsewhere). "Copiste d'un jour, BAnQ, CC BY 4.0";
"MNIST, Y. LeCun, C. Cortes, C. J. C. Burges" (CC BY-SA 3.0).
"""
