"""Forms only parse; the services decide."""

from collaboration.forms.advice import AdviceRequestForm, ExpertiseForm, MessageForm

__all__ = ["AdviceRequestForm", "ExpertiseForm", "MessageForm"]
